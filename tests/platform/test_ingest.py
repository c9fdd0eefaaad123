"""The ingestion pipeline's writer: a message whose write keeps failing becomes a dead letter with its origin,
the others of its batch are stored, and every message is acknowledged once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from maeul.adapters.sql import accounts, devices
from maeul.adapters.sql.tables import dead_letters, telemetry
from maeul.adapters.sql.telemetry_store import DeviceBatch, PreparedWrite
from maeul.core.readings import Reading
from maeul.platform.app import Platform
from maeul.platform.ingest import rejected_message
from maeul.platform.settings import load_settings

TENANT = "namyangju"
PAYLOAD = b'{"ts": 1763856000000, "values": {"t": 21.5, "h": 40}}'


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[Platform, int, int]]:
    """A platform (SQLite, writer not started) and two devices; the second one's writes always fail."""
    instance = Platform.create(load_settings({}, data_dir=tmp_path / "data"))
    with instance.engine.begin() as conn:
        accounts.create_tenant(conn, TENANT, "남양주시")
        good = int(devices.create_device(conn, TENANT, "good")[0]["id"])
        bad = int(devices.create_device(conn, TENANT, "bad")[0]["id"])
    store_write = instance.ingest.store.write

    def write(conn: Connection, batches: Sequence[DeviceBatch], prepared: PreparedWrite | None = None) -> int:
        if any(batch.device_id == bad for batch in batches):
            raise DBAPIError("INSERT ...", {}, RuntimeError("poisoned row"))  # permanent, not transient
        return store_write(conn, batches, prepared)

    instance.ingest.store.write = write  # type: ignore[method-assign]
    try:
        yield instance, good, bad
    finally:
        instance.stop()


def test_a_message_that_cannot_be_stored_becomes_a_dead_letter_and_the_rest_is_stored(
    platform: tuple[Platform, int, int],
) -> None:
    instance, good, bad = platform
    acked: list[str] = []
    lock = threading.Lock()

    def ack(name: str) -> None:
        with lock:
            acked.append(name)

    for device_id, name in ((good, "good"), (bad, "bad")):  # both queued before the writer starts: one batch
        topic = f"maeul/{TENANT}/{device_id}/telemetry"
        instance.ingest.submit_mqtt(TENANT, device_id, PAYLOAD, topic, lambda name=name: ack(name))
    instance.ingest.start()
    instance.ingest.stop()  # writes everything accepted
    assert sorted(acked) == ["bad", "good"]
    with instance.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(telemetry)).scalar_one() == 2
        letters = conn.execute(select(dead_letters)).mappings().all()
    assert len(letters) == 1
    letter = letters[0]
    assert letter["reason"] == "could not be stored: poisoned row"
    assert (letter["source"], letter["tenant_id"], letter["device_id"]) == ("mqtt", TENANT, bad)
    assert letter["topic"] == f"maeul/{TENANT}/{bad}/telemetry" and letter["payload"] == PAYLOAD.decode()


def test_a_bundle_is_acknowledged_once_after_its_good_messages_and_dead_letters_are_stored(
    platform: tuple[Platform, int, int],
) -> None:
    """A receiver's bundle: the poisoned message becomes a dead letter, the others are stored, one acknowledgement."""
    instance, good, bad = platform
    acked: list[str] = []
    messages = []
    for device_id, value in ((good, 1.0), (bad, 2.0), (good, 3.0)):
        topic = f"maeul/{TENANT}/{device_id}/telemetry"
        readings = [Reading("t", 1763856000000 + int(value), value)]
        origin = ("mqtt", TENANT, device_id, topic, PAYLOAD)
        messages.append((DeviceBatch(device_id, 365, "Asia/Seoul", readings), None, origin))
    messages.append(rejected_message("maeul/x/telemetry", b"{}", "no such topic"))
    instance.ingest.submit_bundle(messages, lambda: acked.append("bundle"))
    time.sleep(0.05)  # queued a while before the writer starts
    instance.ingest.start()
    instance.ingest.stop()
    assert acked == ["bundle"]
    waited = instance.metrics.registry.get_sample_value("maeul_ingest_queue_seconds_sum")
    assert instance.metrics.registry.get_sample_value("maeul_ingest_queue_seconds_count") == 1
    assert waited is not None and waited >= 0.05
    with instance.engine.connect() as conn:
        stored = conn.execute(select(telemetry.c.device_id, telemetry.c.value_num).order_by(telemetry.c.ts)).all()
        letters = conn.execute(select(dead_letters.c.device_id, dead_letters.c.reason)).all()
    assert [tuple(row) for row in stored] == [(good, 1.0), (good, 3.0)]
    assert sorted(letters, key=str) == sorted(
        [(bad, "could not be stored: poisoned row"), (None, "no such topic")], key=str
    )
    assert instance.ingest.budget.used == 0


def test_an_http_message_that_cannot_be_stored_reports_why(platform: tuple[Platform, int, int]) -> None:
    instance, _good, bad = platform
    with instance.engine.begin() as conn:
        token = devices.rotate_token(conn, TENANT, bad)
    instance.ingest.start()
    result = instance.ingest.submit_http(token, PAYLOAD)
    assert result is not None
    assert result.error == "could not be stored: poisoned row"
    with instance.engine.connect() as conn:
        assert conn.execute(select(dead_letters.c.source)).scalars().all() == ["http"]

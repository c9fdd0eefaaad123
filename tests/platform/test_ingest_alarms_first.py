"""With rules in the writer's transaction (the default on both stores), a batch's alarming devices are committed
first, in a small transaction of their own: their alarm never waits for the other devices' readings. Nothing is
lost or doubled when the rest of the batch fails."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from maeul.adapters.sql import accounts, alarms, devices, rules
from maeul.adapters.sql.tables import telemetry
from maeul.adapters.sql.telemetry_store import DeviceBatch, PreparedWrite
from maeul.core.readings import Reading
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings

TENANT = "namyangju"
T0 = 1_763_856_000_000


@pytest.fixture
def homes(tmp_path: Path, database_url: str) -> Iterator[tuple[Platform, list[int]]]:
    """A platform on each store (writer not started) and five homes whose rule raises above 30 °C."""
    instance = Platform.create(load_settings({}, data_dir=tmp_path / "data", database_url=database_url))
    with instance.engine.begin() as conn:
        accounts.create_tenant(conn, TENANT, "남양주시")
        profile = devices.create_profile(conn, TENANT, "room", [{"key": "temperature", "type": "number"}])
        condition = {"kind": "threshold", "key": "temperature", "op": ">", "value": 30, "clear_value": 28}
        rules.create_rule(
            conn, TENANT, profile["id"], name="heat", alarm_type="heat", severity="major", condition=condition
        )
        ids = [int(devices.create_device(conn, TENANT, f"home-{n}", profile="room")[0]["id"]) for n in range(5)]
    try:
        yield instance, ids
    finally:
        instance.stop()


def test_rules_run_in_the_writers_transaction_unless_turned_off(tmp_path: Path, database_url: str) -> None:
    inline = Platform.create(load_settings({}, data_dir=tmp_path / "a", database_url=database_url))
    environ = {"MAEUL_RULES_IN_INGEST_TRANSACTION": "false"}
    apart = Platform.create(load_settings(environ, data_dir=tmp_path / "b", database_url=database_url))
    try:
        assert inline.rule_runner is not None and apart.rule_runner is not None
        assert inline.ingest.in_transaction == [inline.rule_runner.in_transaction]
        assert inline.rule_runner.submit not in inline.ingest.after_commit
        assert apart.ingest.in_transaction == []
        assert apart.rule_runner.submit in apart.ingest.after_commit
    finally:
        inline.stop()
        apart.stop()


def _bundle(ids: list[int], hot: int) -> list[tuple[DeviceBatch, None, tuple[str, str, int, str, bytes]]]:
    """One message per home, in id order; only ``hot`` reports 35 °C."""
    messages = []
    for device_id in ids:
        reading = Reading("temperature", T0, 35.0 if device_id == hot else 20.0)
        origin = ("mqtt", TENANT, device_id, f"maeul/{TENANT}/{device_id}/telemetry", b"{}")
        messages.append((DeviceBatch(device_id, 365, "Asia/Seoul", [reading]), None, origin))
    return messages


def _stored_devices(conn: Connection) -> list[int]:
    return sorted(conn.execute(select(telemetry.c.device_id)).scalars())


def test_the_alarming_device_is_committed_before_the_rest_of_its_batch(homes: tuple[Platform, list[int]]) -> None:
    instance, ids = homes
    hot = ids[2]
    seen: list[tuple[list[int], list[int], int]] = []

    def after_commit(batches: list[DeviceBatch]) -> None:
        with instance.engine.connect() as conn:
            active = len(alarms.list_alarms(conn, TENANT, active=True))
            seen.append(([b.device_id for b in batches], _stored_devices(conn), active))

    instance.ingest.after_commit.append(after_commit)
    acked: list[str] = []
    instance.ingest.submit_bundle(_bundle(ids, hot), lambda: acked.append("bundle"))
    instance.ingest.start()
    instance.ingest.stop()
    others = [d for d in ids if d != hot]
    assert seen == [([hot], [hot], 1), (others, sorted(ids), 1)]
    assert acked == ["bundle"], "acknowledged once, after both parts"


def test_a_batch_without_alarm_changes_is_one_transaction(homes: tuple[Platform, list[int]]) -> None:
    instance, ids = homes
    commits: list[list[int]] = []
    instance.ingest.after_commit.append(lambda batches: commits.append([b.device_id for b in batches]))
    instance.ingest.submit_bundle(_bundle(ids, hot=-1), lambda: None)
    instance.ingest.start()
    instance.ingest.stop()
    assert commits == [ids]


def test_when_the_rest_of_the_batch_fails_once_everything_is_stored_once_with_one_alarm(
    homes: tuple[Platform, list[int]],
) -> None:
    instance, ids = homes
    hot = ids[0]
    store_write = instance.ingest.store.write
    failures: list[int] = []

    def write(conn: Connection, batches: Sequence[DeviceBatch], prepared: PreparedWrite | None = None) -> int:
        if not failures and any(b.device_id != hot for b in batches):
            failures.append(1)
            raise DBAPIError("INSERT ...", {}, RuntimeError("database is locked"))  # transient: the batch is retried
        return store_write(conn, batches, prepared)

    instance.ingest.store.write = write  # type: ignore[method-assign]
    acked: list[str] = []
    instance.ingest.submit_bundle(_bundle(ids, hot), lambda: acked.append("bundle"))
    instance.ingest.start()
    instance.ingest.stop()
    assert failures == [1] and acked == ["bundle"]
    with instance.engine.connect() as conn:
        assert _stored_devices(conn) == sorted(ids)
        assert conn.execute(select(func.count()).select_from(telemetry)).scalar_one() == len(ids)
        active = alarms.list_alarms(conn, TENANT, active=True)
        history = alarms.list_alarms(conn, TENANT)
    assert [a["originator_id"] for a in active] == [hot] and len(history) == 1

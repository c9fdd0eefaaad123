"""Ingest workers: MQTT receiver processes feeding the platform's one writer, over a real broker.

Every message is stored once and counted once in the rollups whichever receiver took it (and when it comes
again), device changes reach the receivers' caches, a receiver that dies is started again, a start that
cannot subscribe fails and leaves no process behind.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from maeul.adapters.mqtt.subscriber import MqttStartError
from maeul.adapters.sql import accounts, devices
from maeul.adapters.sql.tables import ROLLUP_TABLES, dead_letters, telemetry
from maeul.benchmarking.environment import PUBLISHER_USER, BenchBroker, bench_broker
from maeul.platform.app import Platform
from maeul.platform.ingest_workers import IngestWorkers
from maeul.platform.settings import load_settings
from maeul.testing.mosquitto import require_mosquitto, wait_until

pytestmark = pytest.mark.mqtt
T0 = 1_763_856_000_000
TENANT = "namyangju"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BenchBroker]:
    require_mosquitto()
    with bench_broker(tmp_path / "broker") as instance:
        yield instance


@pytest.fixture
def platform(tmp_path: Path, database_url: str, broker: BenchBroker) -> Iterator[Platform]:
    """A platform with two ingest workers and four devices (not started)."""
    settings = load_settings(
        {},
        data_dir=tmp_path / "data",
        database_url=database_url,
        mqtt_url=broker.ingest_url,
        mqtt_client_id="maeul-test-ingest",
        ingest_workers=2,
        log_json=False,
        log_level="WARNING",
    )
    instance = Platform.create(settings)
    with instance.engine.begin() as conn:
        accounts.create_tenant(conn, TENANT, "남양주시")
        for n in range(4):
            devices.create_device(conn, TENANT, f"home-{n}")
    try:
        yield instance
    finally:
        instance.stop()
        assert not receiver_children(), "a receiver process outlived the platform"


def receiver_children() -> list[int]:
    """Receiver processes started by this process that are still running (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z" and b"maeul.platform.ingest_receiver" in cmdline:
            found.append(int(entry.name))
    return found


class Device:
    """Publishes numbered 4-reading messages at QoS 1 as the bench publisher account (may publish maeul/#)."""

    def __init__(self, broker: BenchBroker) -> None:
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="test-devices", protocol=paho.MQTTv311)
        self.client.username_pw_set(PUBLISHER_USER, broker.publisher_password)
        self.client.max_inflight_messages_set(100)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def publish(self, device_id: int, first: int, count: int) -> None:
        infos = []
        for n in range(first, first + count):
            payload = f'{{"ts": {T0 + n * 1000}, "values": {{"a": {n}, "b": 1, "c": 2.5, "d": -3}}}}'
            infos.append(self.client.publish(f"maeul/{TENANT}/{device_id}/telemetry", payload, qos=1))
        for info in infos:
            info.wait_for_publish(20)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def device(broker: BenchBroker) -> Iterator[Device]:
    instance = Device(broker)
    try:
        yield instance
    finally:
        instance.close()


def counts(platform: Platform) -> tuple[int, int, int]:
    """(raw rows, readings counted in the minute rollups, dead letters)."""
    with platform.engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(telemetry)).scalar_one()
        counted = conn.execute(select(func.coalesce(func.sum(ROLLUP_TABLES["minute"].c.count), 0))).scalar_one()
        letters = conn.execute(select(func.count()).select_from(dead_letters)).scalar_one()
    return int(rows), int(counted), int(letters)


def workers_of(platform: Platform) -> IngestWorkers:
    assert isinstance(platform.mqtt, IngestWorkers)
    return platform.mqtt


def test_every_message_is_stored_once_whichever_worker_took_it(platform: Platform, device: Device) -> None:
    platform.start()
    workers = workers_of(platform)
    assert platform.mqtt_connected() and len(workers.pids()) == 2
    for device_id in (1, 2, 3, 4):
        device.publish(device_id, 0, 100)
    assert wait_until(lambda: counts(platform)[0] >= 1600, 60, 0.05), counts(platform)
    assert wait_until(lambda: workers.acked >= 400, 20, 0.05)
    assert all(receiver.acked > 0 for receiver in workers._receivers), "the share group split the messages"
    device.publish(1, 50, 100)  # 50 repeats, 50 new
    assert wait_until(lambda: workers.acked >= 500, 30, 0.05)
    assert counts(platform) == (1800, 1800, 0)
    with platform.engine.connect() as conn:
        days = conn.execute(select(func.sum(ROLLUP_TABLES["day"].c.sum))).scalar_one()
    expected = 4 * sum(n + 0.5 for n in range(100)) + sum(n + 0.5 for n in range(100, 150))
    assert days == pytest.approx(expected)


def test_a_device_change_reaches_the_workers_caches(platform: Platform, device: Device) -> None:
    platform.start()
    device.publish(2, 0, 20)  # both workers now hold device 2 in their caches
    assert wait_until(lambda: counts(platform)[0] >= 80, 30, 0.05)
    with platform.engine.begin() as conn:
        devices.delete_device(conn, TENANT, 2)
    platform.ingest.devices.invalidate(2)  # what the API does after a change

    def rejected() -> bool:
        device.publish(2, 1000, 2)  # more than one: each worker gets one of them
        return counts(platform)[2] >= 2

    assert wait_until(rejected, 30, 0.2)
    with platform.engine.connect() as conn:
        reasons = set(conn.execute(select(dead_letters.c.reason)).scalars())
    assert reasons == {f"no device 2 in tenant {TENANT!r}"}


def test_a_worker_that_dies_is_started_again_and_nothing_is_lost(platform: Platform, device: Device) -> None:
    platform.start()
    workers = workers_of(platform)
    device.publish(3, 0, 50)
    assert wait_until(lambda: counts(platform)[0] >= 200, 30, 0.05)
    victim = workers.pids()[0]
    os.kill(victim, signal.SIGKILL)
    assert wait_until(lambda: victim not in workers.pids() and len(workers.pids()) == 2, 60, 0.1)
    assert wait_until(platform.mqtt_connected, 60, 0.1)
    device.publish(3, 50, 100)
    assert wait_until(lambda: counts(platform)[0] >= 600, 60, 0.05), counts(platform)
    assert counts(platform) == (600, 600, 0)


def test_workers_that_cannot_subscribe_fail_the_start_and_leave_nothing_behind(
    tmp_path: Path, broker: BenchBroker
) -> None:
    settings = load_settings(
        {},
        data_dir=tmp_path / "data",
        mqtt_url=broker.ingest_url.replace(broker.ingest_password, "wrong-password"),
        ingest_workers=2,
        log_json=False,
        log_level="CRITICAL",
    )
    platform = Platform.create(settings)
    try:
        with pytest.raises(MqttStartError, match="could not start"):
            platform.start()
    finally:
        platform.stop()
    assert not receiver_children()

"""The whole path over a real broker: device → Mosquitto → Maeul (a separate process) → database.

Maeul is killed with SIGKILL in the middle of a QoS 1 stream and started again; the broker is restarted:
every reading must be stored exactly once (rollup counts prove no reading was counted twice).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import create_engine, text

from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.mqtt.provisioning import device_username, ingest_account
from maeul.adapters.sql import accounts, devices
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.testing.mosquitto import MosquittoBroker, wait_until
from maeul.testing.ports import free_port

pytestmark = pytest.mark.mqtt
INGEST_USER, INGEST_PASSWORD = "maeul-ingest", "ingest-password-for-tests"
T0 = 1_763_856_000_000


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    b = MosquittoBroker(tmp_path / "broker", [ingest_account(INGEST_USER, mosquitto_password_hash(INGEST_PASSWORD))])
    try:
        yield b
    finally:
        b.stop()


class MaeulProcess:
    """``python -m maeul serve`` as its own process, so that it can be killed without warning."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until /healthz says the MQTT subscription is in place."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "maeul", "serve"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        assert wait_until(self.healthy, 30, 0.1), self.log.read_text()[-3000:]

    def healthy(self) -> bool:
        """/healthz answers 200: database reachable, writer running, MQTT subscription in place."""
        if self.proc is not None and self.proc.poll() is not None:
            pytest.fail(f"maeul exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.env['MAEUL_PORT']}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stored_at_least(self, url: str, rows: int) -> bool:
        """True once ``rows`` readings are stored; fails at once if the process died."""
        if self.proc is not None and self.proc.poll() is not None:
            pytest.fail(f"maeul exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
        return stored_rows(url)[0] >= rows

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None


class Publisher:
    """A device publishing numbered messages at QoS 1 with a persistent session (resends after reconnects)."""

    def __init__(self, broker: MosquittoBroker, tenant: str, device_id: int, token: str) -> None:
        self.topic = f"maeul/{tenant}/{device_id}/telemetry"
        self.acked = 0
        self._lock = threading.Lock()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"dev-{tenant}-{device_id}",
            clean_session=False,
            protocol=paho.MQTTv311,
        )
        self.client.username_pw_set(device_username(tenant, device_id), token)
        self.client.max_inflight_messages_set(100)
        self.client.max_queued_messages_set(0)
        self.client.on_publish = self._on_publish
        self.client.reconnect_delay_set(0.1, 1)
        self.client.connect(broker.host, broker.port, keepalive=10)
        self.client.loop_start()

    def _on_publish(self, *_args: object) -> None:
        with self._lock:
            self.acked += 1

    def publish(self, first: int, count: int) -> None:
        for n in range(first, first + count):
            payload = f'{{"ts": {T0 + n * 1000}, "values": {{"a": {n}, "b": 1, "c": 2, "d": 3}}}}'
            self.client.publish(self.topic, payload, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def stored_rows(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM telemetry")).scalar_one()
            counted = conn.execute(text("SELECT coalesce(sum(count), 0) FROM rollup_minute")).scalar_one()
        return int(rows), int(counted)
    finally:
        engine.dispose()


@pytest.fixture
def setup(broker: MosquittoBroker, tmp_path: Path, database_url: str) -> Iterator[tuple[MaeulProcess, Publisher]]:
    """A tenant with one device provisioned into the broker, Maeul's environment, and the device's client."""
    settings = load_settings(
        {},
        data_dir=tmp_path / "data",
        database_url=database_url,
        mqtt_url=broker.url_for(INGEST_USER, INGEST_PASSWORD),
        mqtt_provision_dir=broker.provision_dir,
        mqtt_broker_pid_file=broker.pid_file,
    )
    platform = Platform.create(settings)
    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        device, token = devices.create_device(conn, "namyangju", "river-1")
    platform.provision_broker()  # writes passwd/acl for the device and the ingest account, then SIGHUP
    platform.engine.dispose()
    broker.reload()
    env = {
        **os.environ,
        "MAEUL_DATA_DIR": str(settings.data_dir),
        "MAEUL_DATABASE_URL": database_url,
        "MAEUL_MQTT_URL": settings.mqtt_url or "",
        "MAEUL_PORT": str(free_port()),
        "MAEUL_MQTT_PROVISION_DIR": str(broker.provision_dir),
        "MAEUL_LOG_LEVEL": "WARNING",
    }
    maeul = MaeulProcess(env, tmp_path / "maeul.log")
    publisher = Publisher(broker, "namyangju", device["id"], token)
    try:
        yield maeul, publisher
    finally:
        publisher.close()
        maeul.terminate()


def assert_stored_exactly(maeul: MaeulProcess, publisher: Publisher, url: str, messages: int) -> None:
    complete = wait_until(lambda: maeul.stored_at_least(url, 4 * messages), 90, 0.2)
    rows, counted = stored_rows(url)
    assert complete, (
        f"stored {rows} of {4 * messages} readings; the broker acknowledged {publisher.acked} "
        f"publishes\n{maeul.log.read_text()[-3000:]}"
    )
    assert rows == 4 * messages
    assert counted == 4 * messages, "a redelivered message was counted twice in the rollups"


def test_maeul_killed_mid_stream_loses_and_duplicates_nothing(
    setup: tuple[MaeulProcess, Publisher], database_url: str
) -> None:
    maeul, publisher = setup
    maeul.start()  # Maeul's persistent session must exist first: MQTT drops messages nobody subscribed to
    publisher.publish(0, 1000)
    assert wait_until(lambda: maeul.stored_at_least(database_url, 4 * 300), 60), maeul.log.read_text()
    maeul.kill()  # no goodbye: whatever it had received but not acknowledged must come again
    publisher.publish(1000, 1000)  # queued by the broker in Maeul's session while it is down
    maeul.start()
    assert_stored_exactly(maeul, publisher, database_url, 2000)


def test_maeul_with_ingest_workers_killed_mid_stream_loses_and_duplicates_nothing(
    setup: tuple[MaeulProcess, Publisher], database_url: str
) -> None:
    """The same with MQTT receiver processes: killing the writer's process makes them exit unacknowledged."""
    maeul, publisher = setup
    maeul.env["MAEUL_INGEST_WORKERS"] = "2"
    maeul.start()
    publisher.publish(0, 1000)
    assert wait_until(lambda: maeul.stored_at_least(database_url, 4 * 300), 60), maeul.log.read_text()
    maeul.kill()
    publisher.publish(1000, 1000)
    maeul.start()
    assert_stored_exactly(maeul, publisher, database_url, 2000)


def test_broker_restart_mid_stream_with_exclusive_subscription_loses_and_duplicates_nothing(
    setup: tuple[MaeulProcess, Publisher], broker: MosquittoBroker, database_url: str
) -> None:
    """A plain (exclusive) persistent subscription survives the broker's restart: messages in flight and those the
    device publishes before Maeul has reconnected are all kept for Maeul's session."""
    maeul, publisher = setup
    maeul.env["MAEUL_MQTT_SHARE_GROUP"] = ""
    maeul.start()
    publisher.publish(0, 1000)
    assert wait_until(lambda: maeul.stored_at_least(database_url, 4 * 300), 60), maeul.log.read_text()
    broker.restart()  # in the middle of the stream
    publisher.publish(1000, 1000)
    assert_stored_exactly(maeul, publisher, database_url, 2000)


def test_broker_restart_with_shared_subscription_resumes_once_maeul_is_back(
    setup: tuple[MaeulProcess, Publisher], broker: MosquittoBroker, database_url: str
) -> None:
    """Mosquitto 2.0 does not restore the shared subscriptions of offline sessions after a restart, so messages
    published before the first Maeul worker reconnects are dropped by the broker (docs/mqtt.md). Once a worker is
    back, the stream continues with nothing lost or doubled."""
    maeul, publisher = setup
    maeul.start()
    publisher.publish(0, 1000)
    assert_stored_exactly(maeul, publisher, database_url, 1000)
    broker.restart()
    assert wait_until(maeul.healthy, 30, 0.05), maeul.log.read_text()[-3000:]
    publisher.publish(1000, 1000)
    assert_stored_exactly(maeul, publisher, database_url, 2000)

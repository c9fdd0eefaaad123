"""The MQTT transport against a private Mosquitto: per-device and shared accounts, QoS 1, clear errors."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as paho
import pytest
import typer
from paho.mqtt.enums import CallbackAPIVersion
from sim_support import make_tenant, sqlite_platform_in
from typer.testing import CliRunner

from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.mqtt.provisioning import BrokerAccount, device_account, device_username, ingest_account
from maeul.adapters.sql import accounts
from maeul.adapters.sql.telemetry_query import latest
from maeul.cli.simulate import register
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.simulate.fleet import SimDevice, ensure_sim_devices
from maeul.simulate.runner import SimConfig, Simulator
from maeul.simulate.transports import MqttTransport, TransportError
from maeul.testing.mosquitto import MosquittoBroker, free_port, require_mosquitto, wait_until

pytestmark = pytest.mark.mqtt
ADMIN, ADMIN_PW = "sim-admin", "admin-secret"  # may publish to every telemetry topic
MONITOR, MONITOR_PW = "monitor", "monitor-secret"  # may read everything under maeul/
INGEST, INGEST_PW = "maeul-ingest", "ingest-secret"
KEYS = {"temperature", "humidity", "illuminance", "motion"}


def service_accounts() -> list[BrokerAccount]:
    return [
        BrokerAccount(ADMIN, mosquitto_password_hash(ADMIN_PW), publish=["maeul/#"]),
        BrokerAccount(MONITOR, mosquitto_password_hash(MONITOR_PW), subscribe=["maeul/#"]),
    ]


class Monitor:
    """A plain paho subscriber to ``maeul/#`` recording (topic, payload)."""

    def __init__(self, broker: MosquittoBroker) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id="test-monitor", protocol=paho.MQTTv5)
        client.username_pw_set(MONITOR, MONITOR_PW)
        client.on_connect = lambda c, _u, _f, _rc, _p: c.subscribe("maeul/#", qos=1)
        client.on_subscribe = lambda _c, _u, _m, _rc, _p: self._subscribed.set()
        client.on_message = self._on_message
        client.connect(broker.host, broker.port)
        client.loop_start()
        self.client = client
        assert self._subscribed.wait(10), "monitor did not subscribe"

    def _on_message(self, _c: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, orjson.loads(message.payload)))

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def sqlite_platform(tmp_path: Path) -> Iterator[Platform]:
    with sqlite_platform_in(tmp_path / "data") as platform:
        yield platform


@pytest.fixture
def sqlite_tenant(sqlite_platform: Platform) -> str:
    return make_tenant(sqlite_platform)


@pytest.fixture
def mosquitto_binary() -> None:
    require_mosquitto()


@pytest.fixture
def fleet(sqlite_platform: Platform, sqlite_tenant: str) -> list[SimDevice]:
    return ensure_sim_devices(sqlite_platform, sqlite_tenant, 3)


@pytest.fixture
def broker(mosquitto_binary: None, tmp_path: Path, fleet: list[SimDevice], sqlite_tenant: str) -> Iterator[Any]:
    devices = [device_account(sqlite_tenant, d.id, mosquitto_password_hash(d.token)) for d in fleet]
    with MosquittoBroker(tmp_path / "broker", service_accounts() + devices) as instance:
        yield instance


@pytest.fixture
def monitor(broker: MosquittoBroker) -> Iterator[Monitor]:
    instance = Monitor(broker)
    try:
        yield instance
    finally:
        instance.close()


def check_messages(monitor: Monitor, fleet: list[SimDevice], tenant: str, count: int) -> None:
    assert wait_until(lambda: monitor.count() >= count, 10.0), f"{monitor.count()} of {count} messages arrived"
    topics = {f"maeul/{tenant}/{d.id}/telemetry" for d in fleet}
    for topic, payload in monitor.messages:
        assert topic in topics
        assert set(payload) == {"ts", "values"} and set(payload["values"]) == KEYS
    assert {t for t, _p in monitor.messages} == topics


@pytest.mark.parametrize("mode", ["per-device", "shared"])
def test_messages_arrive(
    broker: MosquittoBroker, monitor: Monitor, fleet: list[SimDevice], sqlite_tenant: str, mode: str
) -> None:
    url = broker.url_for(ADMIN, ADMIN_PW) if mode == "shared" else f"mqtt://{broker.host}:{broker.port}"
    transport = MqttTransport(url, sqlite_tenant)
    assert transport.shared is (mode == "shared")
    report = Simulator(fleet, transport, SimConfig(rate=30, duration_s=0, messages=30)).run()
    assert (report.transport, report.sent, report.accepted, report.failed) == ("mqtt", 30, 30, 0)
    check_messages(monitor, fleet, sqlite_tenant, 30)


def test_refused_publications_count_as_failures(
    broker: MosquittoBroker, fleet: list[SimDevice], sqlite_tenant: str
) -> None:
    # Device 1's own account may publish only to its own topic: the broker refuses the others' messages.
    url = broker.url_for(device_username(sqlite_tenant, fleet[0].id), fleet[0].token)
    config = SimConfig(rate=20, duration_s=0, messages=10)
    report = Simulator(fleet[:2], MqttTransport(url, sqlite_tenant), config).run()
    assert (report.sent, report.accepted, report.failed) == (10, 5, 5)
    assert list(report.errors) == ["broker refused the message: Not authorized"]


def test_bad_credentials(broker: MosquittoBroker, fleet: list[SimDevice], sqlite_tenant: str) -> None:
    transport = MqttTransport(broker.url_for(ADMIN, "wrong"), sqlite_tenant, connect_timeout_s=2)
    with pytest.raises(TransportError, match="could not connect"):
        transport.open(fleet)


def test_unreachable_broker(fleet: list[SimDevice], sqlite_tenant: str) -> None:
    with pytest.raises(TransportError, match="cannot reach the broker"):
        MqttTransport(f"mqtt://127.0.0.1:{free_port()}", sqlite_tenant).open(fleet)


def test_large_fleets_need_a_shared_account(sqlite_tenant: str) -> None:
    many = [SimDevice(i, f"sim-{i}", "t") for i in range(1, 202)]
    with pytest.raises(TransportError, match="200"):
        MqttTransport("mqtt://127.0.0.1:1883", sqlite_tenant).open(many)
    with pytest.raises(TransportError, match="invalid MQTT URL"):
        MqttTransport("http://127.0.0.1:1883", sqlite_tenant)


def test_end_to_end_into_the_platform(mosquitto_binary: None, tmp_path: Path) -> None:
    """As ``maeul simulate --transport mqtt`` does it: provision the broker from the database, then publish."""
    ingest = [ingest_account(INGEST, mosquitto_password_hash(INGEST_PW))]
    with MosquittoBroker(tmp_path / "broker", ingest) as broker:
        settings = load_settings(
            {},
            data_dir=tmp_path / "data",
            mqtt_url=broker.url_for(INGEST, INGEST_PW),
            mqtt_provision_dir=broker.provision_dir,
            mqtt_broker_pid_file=broker.pid_file,
        )
        platform = Platform.create(settings)
        platform.start()
        try:
            with platform.engine.begin() as conn:
                tenant = accounts.create_tenant(conn, "namyangju", "남양주시")["id"]
            fleet = ensure_sim_devices(platform, tenant, 4)
            platform.provision_broker()  # rewrites the password and ACL files and sends SIGHUP
            transport = MqttTransport(f"mqtt://{broker.host}:{broker.port}", tenant)
            report = Simulator(fleet, transport, SimConfig(rate=40, duration_s=0, messages=20)).run()
            assert report.accepted == 20

            def stored() -> bool:
                with platform.engine.connect() as conn:
                    return all(set(latest(conn, d.id)) == KEYS for d in fleet)

            assert wait_until(stored, 15.0)
        finally:
            platform.stop()


def test_the_cli_provisions_the_broker_and_publishes(
    mosquitto_binary: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    with MosquittoBroker(tmp_path / "broker", [ingest_account(INGEST, mosquitto_password_hash(INGEST_PW))]) as broker:
        for name in [n for n in os.environ if n.startswith("MAEUL_")]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("MAEUL_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("MAEUL_MQTT_URL", broker.url_for(INGEST, INGEST_PW))
        monkeypatch.setenv("MAEUL_MQTT_PROVISION_DIR", str(broker.provision_dir))
        monkeypatch.setenv("MAEUL_MQTT_BROKER_PID_FILE", str(broker.pid_file))
        args = ["simulate", "--transport", "mqtt", "--devices", "2", "--rate", "10", "--messages", "10", "--json"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        report = orjson.loads(result.stdout)
        assert (report["transport"], report["sent"], report["accepted"]) == ("mqtt", 10, 10)
        assert "default/1" in (broker.provision_dir / "passwd").read_text()

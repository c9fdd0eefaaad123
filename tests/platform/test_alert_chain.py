"""The whole alert chain, on both stores: a device publishes over a real (private) Mosquitto → Maeul's MQTT
ingest → the rule runner → one alarm → the escalation policy's step → the outbox → the dispatcher → a signed
webhook to a real HTTP receiver on 127.0.0.1.

Everything is configured through the REST API, as an operator would. Nothing here asserts a duration: every
wait polls a condition with a generous deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from maeul.adapters.http.app import create_app
from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.mqtt.provisioning import ingest_account
from maeul.adapters.notify.webhook import IDEMPOTENCY_HEADER, verify_signature
from maeul.adapters.sql import accounts
from maeul.adapters.sql.notify_tables import notify_attempts
from maeul.benchmarking.alert_receiver import Received, WebhookReceiver
from maeul.core.roles import Role
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.testing.mosquitto import MosquittoBroker, wait_until

pytestmark = pytest.mark.mqtt
INGEST_USER, INGEST_PASSWORD = "maeul-ingest", "ingest-password-for-alert-chain"
TENANT = "namyangju"
SECRET = "namyangju-119-webhook-secret"
DEADLINE_S = 60.0


class Device:
    """A device's own MQTT client: its credentials, QoS 1, one reading per message."""

    def __init__(self, broker: MosquittoBroker, created: dict[str, Any]) -> None:
        self.id = int(created["id"])
        self.topic = created["topic"]
        self._connected = threading.Event()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"device-{self.id}", clean_session=True, protocol=paho.MQTTv311
        )
        self.client.username_pw_set(created["mqtt_username"], created["token"])
        self.client.on_connect = self._on_connect
        self.client.connect(broker.host, broker.port, keepalive=30)
        self.client.loop_start()
        assert self._connected.wait(DEADLINE_S), "the broker did not accept the device's credentials"

    def _on_connect(self, _client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any = None) -> None:
        if not reason.is_failure:
            self._connected.set()

    def send(self, temperature: float, ts: int | None = None) -> None:
        """Publish one reading and wait for the broker's PUBACK (the broker has it)."""
        ts = ts if ts is not None else time.time_ns() // 1_000_000
        payload = f'{{"ts": {ts}, "values": {{"temperature": {temperature}}}}}'
        info = self.client.publish(self.topic, payload, qos=1)
        info.wait_for_publish(DEADLINE_S)
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class Chain:
    platform: Platform
    api: TestClient
    admin: dict[str, str]
    receiver: WebhookReceiver
    devices: list[Device]
    rule: dict[str, Any]

    def get(self, path: str) -> Any:
        response = self.api.get(path, headers=self.admin)
        assert response.status_code == 200, response.text
        return response.json()

    def alarms(self, query: str = "") -> list[dict[str, Any]]:
        return list(self.get(f"/api/v1/alarms?limit=1000{query}")["items"])

    def notifications(self) -> list[dict[str, Any]]:
        return list(self.get("/api/v1/notifications?limit=1000")["items"])

    def attempts(self) -> list[dict[str, Any]]:
        with self.platform.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(notify_attempts).order_by(notify_attempts.c.id)).mappings()]

    def wait(self, what: str, predicate: Callable[[], bool]) -> None:
        assert wait_until(predicate, DEADLINE_S, 0.05), f"{what} did not happen within {DEADLINE_S:.0f} s"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    b = MosquittoBroker(tmp_path / "broker", [ingest_account(INGEST_USER, mosquitto_password_hash(INGEST_PASSWORD))])
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def chain(broker: MosquittoBroker, tmp_path: Path, database_url: str) -> Iterator[Chain]:
    """A platform ingesting over MQTT; a profile with a threshold rule; a policy whose step sends to the webhook
    of the emergency centre; three devices connected to the broker with their own credentials."""
    settings = load_settings(
        {},
        data_dir=tmp_path / "data",
        database_url=database_url,
        mqtt_url=broker.url_for(INGEST_USER, INGEST_PASSWORD),
        mqtt_provision_dir=broker.provision_dir,
        mqtt_broker_pid_file=broker.pid_file,
        notify_retry_base_s=0.2,  # retries after 0.2, 0.4, 0.8, then every 1 s
        notify_retry_cap_s=1.0,
    )
    platform = Platform.create(settings)
    devices: list[Device] = []
    with WebhookReceiver(SECRET) as receiver:
        platform.start()
        try:
            with TestClient(create_app(platform, manage_lifecycle=False)) as api:
                admin = _admin(platform)
                chain = _configure(platform, api, admin, receiver)
                created = [
                    _post(api, admin, "/api/v1/devices", {"name": f"home-{n}", "profile": "room"}) for n in (1, 2, 3)
                ]
                broker.reload()  # creating devices provisioned the broker; make sure it has reloaded its files
                assert wait_until(platform.mqtt_connected, DEADLINE_S, 0.05), "Maeul's MQTT subscription is missing"
                devices.extend(Device(broker, c) for c in created)
                chain.devices = devices
                yield chain
        finally:
            for device in devices:
                device.close()
            platform.stop()


def _admin(platform: Platform) -> dict[str, str]:
    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, TENANT, "남양주시")
        user = accounts.create_user(conn, TENANT, "admin", Role.ADMIN, password="password-1")
        issued, _ = accounts.issue_user_token(conn, TENANT, user["id"], kind="api_key", name="test")
    return {"Authorization": f"Bearer {issued.token}"}


def _post(api: TestClient, admin: dict[str, str], path: str, body: dict[str, Any], method: str = "POST") -> Any:
    response = api.request(method, path, json=body, headers=admin)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _configure(platform: Platform, api: TestClient, admin: dict[str, str], receiver: WebhookReceiver) -> Chain:
    url = receiver.url("/119")
    keys = [{"key": "temperature", "type": "number", "unit": "°C"}]
    profile = _post(api, admin, "/api/v1/profiles", {"name": "room", "keys": keys})
    rule = _post(
        api,
        admin,
        f"/api/v1/profiles/{profile['id']}/rules",
        {
            "name": "실내 고온",
            "alarm_type": "indoor_heat",
            "severity": "major",
            "condition": {"kind": "threshold", "key": "temperature", "op": ">", "value": 30, "clear_value": 28},
        },
    )
    hook = {"endpoints": [{"url": url, "secret": SECRET}], "timeout_s": 5, "connect_timeout_s": 2}
    _post(api, admin, "/api/v1/notification-channels/webhook", hook, method="PUT")
    contact = _post(
        api, admin, "/api/v1/contacts", {"name": "119 상황실", "addresses": {"webhook": url}, "channels": ["webhook"]}
    )
    steps = [{"delay_s": 0, "contacts": [contact["id"]]}]
    _post(api, admin, "/api/v1/escalation-policies", {"name": "긴급 통보", "alarm_type": "*", "steps": steps})
    return Chain(platform, api, admin, receiver, [], rule)


def _check_signed(request: Received) -> None:
    timestamp, signature = request.headers.get("x-maeul-timestamp"), request.headers.get("x-maeul-signature")
    assert verify_signature(SECRET, timestamp, request.body, signature), "the webhook's HMAC signature is invalid"
    assert request.key and request.json()["id"] == request.key, "the idempotency key is the notification's id"


def test_a_reading_over_mqtt_raises_one_alarm_and_one_signed_webhook(chain: Chain) -> None:
    device = chain.devices[0]
    device.send(35.0)
    chain.wait("the webhook delivery", lambda: bool(chain.receiver.processed))
    chain.wait("the delivery log entry", lambda: [n["status"] for n in chain.notifications()] == ["delivered"])

    [alarm] = chain.alarms("&status=active")
    assert (alarm["originator_kind"], alarm["originator_id"], alarm["type"]) == ("device", device.id, "indoor_heat")
    assert alarm["rule_id"] == chain.rule["id"] and alarm["occurrences"] == 1
    [request] = chain.receiver.snapshot()
    _check_signed(request)
    [note] = chain.notifications()
    assert note["id"] == request.key and note["attempts"] == 1 and note["alarm_id"] == alarm["id"]
    payload = request.json()
    assert payload["data"]["alarm_id"] == alarm["id"] and payload["data"]["kind"] == "raised"
    assert payload["subject"]["ko"] and payload["subject"]["en"]

    # Still hot: edge-triggered, nothing new. Then cool: the alarm clears at the reading's time, and the one
    # who was told hears about it, under a new key. Readings of a device are evaluated in order.
    now = time.time_ns() // 1_000_000
    device.send(36.0, now + 1)
    device.send(25.0, now + 2)
    chain.wait("the alarm's clearing", lambda: chain.alarms("&status=active") == [])
    chain.wait("the 'cleared' webhook", lambda: len(chain.receiver.processed) == 2)
    chain.wait("both log entries delivered", lambda: {n["status"] for n in chain.notifications()} == {"delivered"})

    [cleared] = chain.alarms()
    assert cleared["id"] == alarm["id"] and cleared["end_ts"] == now + 2 and cleared["occurrences"] == 1
    requests = chain.receiver.snapshot()
    assert len(requests) == 2 and chain.receiver.duplicates == 0
    for each in requests:
        _check_signed(each)
    assert [r.json()["data"]["kind"] for r in requests] == ["raised", "cleared"]
    assert requests[0].key != requests[1].key
    assert {n["id"] for n in chain.notifications()} == {r.key for r in requests}


def test_a_receiver_that_is_down_gets_each_notification_exactly_once_when_it_is_back(chain: Chain) -> None:
    receiver = chain.receiver
    receiver.available = False  # first it answers 503 Service Unavailable
    for device in chain.devices:
        device.send(40.0)
    chain.wait("three alarms", lambda: len(chain.alarms("&status=active")) == 3)
    chain.wait("three queued notifications", lambda: len(chain.notifications()) == 3)
    ids = {n["id"] for n in chain.notifications()}

    def failed_at_least(times: int, status: str) -> Callable[[], bool]:
        def check() -> bool:
            attempts = [a for a in chain.attempts() if a["status"] == status]
            return all(sum(1 for a in attempts if a["outbox_id"] == i) >= times for i in ids)

        return check

    chain.wait("two 503 answers for each", failed_at_least(2, "server_error"))
    receiver.stop()  # then it is gone altogether: connections are refused
    chain.wait("refused connections for each", failed_at_least(2, "connection_error"))
    assert receiver.processed == {}
    receiver.available = True
    receiver.start()  # back, on the same port

    chain.wait("every notification delivered", lambda: {n["status"] for n in chain.notifications()} == {"delivered"})
    assert set(receiver.processed) == ids, "each notification reached the receiver"
    ok = [r for r in receiver.snapshot() if r.status == 200]
    assert sorted(r.key for r in ok) == sorted(ids), "once each: nothing is sent again after a 200"
    assert receiver.duplicates == 0
    for key in ids:
        tries = [r for r in receiver.snapshot() if r.key == key]
        assert len(tries) >= 3 and len({r.body for r in tries}) == 1, "every retry carries the same message and key"
        for each in tries:
            assert each.headers[IDEMPOTENCY_HEADER.lower()] == key
        _check_signed(tries[-1])
    for note in chain.notifications():
        assert note["attempts"] >= 5 and note["last_error"] is None

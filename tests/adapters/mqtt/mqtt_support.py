"""Helpers of the MQTT adapter tests: recording sinks and plain paho device/monitor clients."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.mqtt.provisioning import BrokerAccount, device_account, ingest_account
from maeul.adapters.mqtt.subscriber import MqttIngestClient
from maeul.testing.mosquitto import MosquittoBroker, wait_until

TIMEOUT_S = 20.0
NO_MATCHING_SUBSCRIBERS = 0x10  # MQTT 5 PUBACK reason: accepted, but nobody was subscribed
_ids = itertools.count(1)
INGEST_USER = "maeul-ingest"
INGEST_PASSWORD = "ingest-secret"
RAW_USER = "raw-tool"  # may publish anywhere under maeul/: used to send malformed topics
RAW_PASSWORD = "raw-secret"
DEVICES = {("namyangju", 7): "pw-7", ("namyangju", 8): "pw-8", ("suwon", 1): "pw-s1"}


def device_password(tenant: str, device_id: int) -> str:
    return DEVICES[(tenant, device_id)]


def base_accounts() -> list[BrokerAccount]:
    accounts = [device_account(t, d, mosquitto_password_hash(pw)) for (t, d), pw in DEVICES.items()]
    accounts.append(ingest_account(INGEST_USER, mosquitto_password_hash(INGEST_PASSWORD)))
    accounts.append(BrokerAccount(RAW_USER, mosquitto_password_hash(RAW_PASSWORD), publish=["maeul/#"]))
    return accounts


MakeClient = Callable[..., MqttIngestClient]
MakeDevice = Callable[..., "PahoClient"]


@dataclass(frozen=True)
class Stored:
    """One message the sink was given."""

    tenant: str
    device_id: int
    payload: bytes
    topic: str


class RecordingSink:
    """A TelemetrySink that records messages; ``hold(payload)`` true means: do not call on_stored yet."""

    def __init__(self, hold: Callable[[bytes], bool] | None = None) -> None:
        self._lock = threading.Lock()
        self._hold = hold
        self._items: list[Stored] = []
        self._rejects: list[tuple[str, bytes, str]] = []
        self._held: list[Callable[[], None]] = []

    def submit_mqtt(
        self, tenant: str, device_id: int, payload: bytes, topic: str, on_stored: Callable[[], None]
    ) -> None:
        with self._lock:
            self._items.append(Stored(tenant, device_id, payload, topic))
            held = self._hold is not None and self._hold(payload)
            if held:
                self._held.append(on_stored)
        if not held:
            on_stored()

    def reject_mqtt(self, topic: str, payload: bytes, reason: str) -> None:
        with self._lock:
            self._rejects.append((topic, payload, reason))

    def release(self) -> int:
        """Stop holding; call every held on_stored now. Returns how many were held."""
        with self._lock:
            held, self._held, self._hold = self._held, [], None
        for on_stored in held:
            on_stored()
        return len(held)

    @property
    def items(self) -> list[Stored]:
        with self._lock:
            return list(self._items)

    @property
    def rejects(self) -> list[tuple[str, bytes, str]]:
        with self._lock:
            return list(self._rejects)

    def payloads(self) -> list[bytes]:
        return [item.payload for item in self.items]

    def count(self) -> int:
        with self._lock:
            return len(self._items)


class PahoClient:
    """A plain paho MQTT 5 client (a device or a monitoring subscriber), connected on construction."""

    def __init__(self, broker: MosquittoBroker, username: str, password: str, *, subscribe: str | None = None):
        self.client_id = f"test-{next(_ids)}"
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._topic = subscribe
        self.connect_reason: ReasonCode | None = None
        self.pubacks: dict[int, ReasonCode] = {}
        self.messages: list[tuple[str, bytes]] = []
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=paho.MQTTv5)
        client.username_pw_set(username, password)
        client.reconnect_delay_set(1, 2)
        client.on_connect = self._on_connect
        client.on_disconnect = lambda *_: self._connected.clear()
        client.on_publish = self._on_publish
        client.on_subscribe = lambda *_: self._subscribed.set()
        client.on_message = self._on_message
        self.client = client
        client.connect_async(broker.host, broker.port)
        client.loop_start()
        if not self._connected.wait(TIMEOUT_S) or (subscribe and not self._subscribed.wait(TIMEOUT_S)):
            self.close()
            raise AssertionError(f"{username} could not connect/subscribe: {self.connect_reason}")

    def _on_connect(self, client: paho.Client, _u: object, _f: object, reason: ReasonCode, _p: object) -> None:
        self.connect_reason = reason
        if not reason.is_failure:
            self._connected.set()
            if self._topic:
                client.subscribe(self._topic, 1)

    def _on_publish(self, _c: paho.Client, _u: object, mid: int, reason: ReasonCode, _p: object) -> None:
        with self._lock:
            self.pubacks[mid] = reason

    def _on_message(self, _c: paho.Client, _u: object, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload)))

    def received(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(self.messages)

    def publish(self, topic: str, payload: bytes) -> ReasonCode:
        """Publish at QoS 1 and return the broker's PUBACK reason code."""
        info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(TIMEOUT_S)
        assert wait_until(lambda: info.mid in self.pubacks, TIMEOUT_S), "no PUBACK"
        with self._lock:
            return self.pubacks[info.mid]

    def publish_reliably(self, topic: str, payload: bytes) -> int:
        """Publish at QoS 1 until the broker accepts it for a subscriber; returns the number of attempts.

        Rides out broker restarts (so it may duplicate) and retries on PUBACK reason 0x10 "No matching
        subscribers": Mosquitto 2.0 forgets shared subscriptions over a restart until the workers resubscribe.
        """
        deadline = time.monotonic() + TIMEOUT_S
        attempts = 0
        while time.monotonic() < deadline:
            attempts += 1
            if not self._connected.wait(max(0.0, deadline - time.monotonic())):
                break
            info = self.client.publish(topic, payload, qos=1)
            try:
                published = wait_until(info.is_published, 2.0)
            except (RuntimeError, ValueError):
                published = False
            if not published:
                continue
            with self._lock:
                reason = self.pubacks.get(info.mid)
            assert reason is None or not reason.is_failure, f"publish refused: {reason}"
            if reason is None or reason.value != NO_MATCHING_SUBSCRIBERS:
                return attempts
            time.sleep(0.05)  # pace the retries while the ingest workers reconnect
        raise AssertionError(f"could not publish {payload!r} to {topic}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connect_reason(broker: MosquittoBroker, username: str, password: str) -> ReasonCode:
    """Try one MQTT 5 connection and return the CONNACK reason code (no retries)."""
    result: list[ReasonCode] = []
    done = threading.Event()

    def on_connect(_c: paho.Client, _u: object, _f: object, reason: ReasonCode, _p: object) -> None:
        result.append(reason)
        done.set()

    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=f"probe-{next(_ids)}", protocol=paho.MQTTv5, reconnect_on_failure=False
    )
    client.username_pw_set(username, password)
    client.on_connect = on_connect
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        assert done.wait(TIMEOUT_S), "no CONNACK"
    finally:
        client.disconnect()
        client.loop_stop()
    return result[0]

"""How simulated devices deliver a message: into the platform in-process, over HTTP, or over MQTT."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

import httpx
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from maeul.adapters.mqtt.provisioning import device_username
from maeul.adapters.mqtt.subscriber import BrokerAddress, parse_mqtt_url
from maeul.adapters.mqtt.topics import telemetry_topic
from maeul.platform.app import Platform
from maeul.platform.ingest import IngestBusy
from maeul.simulate.fleet import SimDevice

INGEST_PATH = "/api/v1/ingest/telemetry"
MAX_DEVICE_CONNECTIONS = 200


class TransportError(RuntimeError):
    """The transport cannot be used at all (server unreachable, bad credentials); the message says why."""


class Transport(Protocol):
    """Delivers one device message; ``send`` returns None when it was accepted, else why not."""

    name: str

    def open(self, devices: Sequence[SimDevice]) -> None: ...

    def send(self, device: SimDevice, payload: bytes) -> str | None: ...

    def close(self) -> None: ...


class InProcessTransport:
    """Stores messages exactly as the HTTP endpoint does, without a network: ``platform.ingest.submit_http``."""

    name = "inprocess"

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def open(self, devices: Sequence[SimDevice]) -> None:
        if not self.platform.ingest.running:
            raise TransportError("플랫폼이 시작되지 않았습니다 / the platform is not started: call platform.start()")

    def send(self, device: SimDevice, payload: bytes) -> str | None:
        try:
            result = self.platform.ingest.submit_http(device.token, payload)
        except IngestBusy as exc:
            return f"busy: {exc}"
        if result is None:
            return "unknown device token"
        return result.error

    def close(self) -> None:
        return None


class HttpTransport:
    """``POST /api/v1/ingest/telemetry`` with each device's token, over kept-alive connections."""

    name = "http"

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        connections: int = 16,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise TransportError(f"URL은 http:// 로 시작해야 합니다 / the URL must start with http://: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._connections = connections
        self._transport = transport
        self._client: httpx.Client | None = None

    def open(self, devices: Sequence[SimDevice]) -> None:
        limits = httpx.Limits(max_connections=self._connections, max_keepalive_connections=self._connections)
        client = httpx.Client(base_url=self.base_url, timeout=self._timeout_s, limits=limits, transport=self._transport)
        try:
            response = client.get("/healthz")
        except httpx.HTTPError as exc:
            client.close()
            raise TransportError(
                f"서버에 연결할 수 없습니다 / cannot reach the server at {self.base_url}: {exc or type(exc).__name__}"
            ) from None
        if response.status_code not in (200, 503):
            client.close()
            raise TransportError(
                f"Maeul 서버가 아닙니다 / {self.base_url} is not a Maeul server (GET /healthz: {response.status_code})"
            )
        self._client = client

    def send(self, device: SimDevice, payload: bytes) -> str | None:
        if self._client is None:
            raise RuntimeError("HttpTransport.open() was not called")
        headers = {"Authorization": f"Bearer {device.token}", "Content-Type": "application/json"}
        try:
            response = self._client.post(INGEST_PATH, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.status_code == 200:
            return None
        return f"HTTP {response.status_code}: {_error_message(response)}"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _error_message(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
        message = body["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return response.text[:200]
    if response.status_code == 401:
        message += " (does the server use the same database as this command?)"
    return str(message)


class _Link:
    """One MQTT connection (MQTT 5, QoS 1) that waits for each PUBACK and its reason code."""

    def __init__(self, address: BrokerAddress, username: str | None, password: str | None, client_id: str) -> None:
        self.address = address
        self._cond = threading.Condition()
        self._acks: dict[int, ReasonCode] = {}
        self.connected = False
        self.error: str | None = None
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
        if username is not None:
            client.username_pw_set(username, password)
        client.reconnect_delay_set(1, 5)
        client.max_inflight_messages_set(200)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        self.client = client

    def connect(self) -> None:
        try:
            self.client.connect(self.address.host, self.address.port, keepalive=30)
        except OSError as exc:
            where = f"{self.address.host}:{self.address.port}"
            raise TransportError(f"브로커에 연결할 수 없습니다 / cannot reach the broker at {where}: {exc}") from None
        self.client.loop_start()

    def _on_connect(self, _c: paho.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        with self._cond:
            self.connected = not reason.is_failure
            self.error = None if self.connected else f"broker refused the connection: {reason}"
            self._cond.notify_all()

    def _on_connect_fail(self, _c: paho.Client, _u: Any) -> None:
        with self._cond:
            self.error = "could not connect to the broker"
            self._cond.notify_all()

    def _on_disconnect(self, _c: paho.Client, _u: Any, _f: Any, _reason: ReasonCode, _p: Any) -> None:
        with self._cond:
            self.connected = False

    def _on_publish(self, _c: paho.Client, _u: Any, mid: int, reason: ReasonCode, _p: Any) -> None:
        with self._cond:
            self._acks[mid] = reason
            self._cond.notify_all()

    def wait_connected(self, deadline: float) -> bool:
        with self._cond:
            while not self.connected:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def publish(self, topic: str, payload: bytes, timeout_s: float) -> str | None:
        info = self.client.publish(topic, payload, qos=1)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            return f"publish failed: {paho.error_string(info.rc)}"
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while info.mid not in self._acks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return f"no PUBACK within {timeout_s:g} s"
                self._cond.wait(remaining)
            reason = self._acks.pop(info.mid)
        return f"broker refused the message: {reason}" if reason.is_failure else None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class MqttTransport:
    """Publishes ``{"ts", "values"}`` at QoS 1 to ``maeul/<tenant>/<id>/telemetry``.

    Without credentials in ``url`` every device connects as itself (username ``<tenant>/<id>``, its token as
    password; at most 200 devices). With ``mqtt://user:pass@host:port`` one connection of that account, which
    must be allowed to publish to ``maeul/#``, carries every device's messages (for large fleets).
    """

    name = "mqtt"

    def __init__(self, url: str, tenant: str, *, connect_timeout_s: float = 15.0, publish_timeout_s: float = 10.0):
        try:
            self.address = parse_mqtt_url(url)
        except ValueError as exc:
            raise TransportError(f"MQTT URL이 올바르지 않습니다 / invalid MQTT URL: {exc}") from None
        self.tenant = tenant
        self._connect_timeout_s = connect_timeout_s
        self._publish_timeout_s = publish_timeout_s
        self._links: dict[int, _Link] = {}
        self._shared: _Link | None = None
        self._topics: dict[int, str] = {}

    @property
    def shared(self) -> bool:
        """True when one account carries all devices (the URL names a user)."""
        return self.address.username is not None

    def open(self, devices: Sequence[SimDevice]) -> None:
        run = secrets.token_hex(3)
        self._topics = {d.id: telemetry_topic(self.tenant, d.id) for d in devices}
        if self.shared:
            self._shared = _Link(self.address, self.address.username, self.address.password, f"maeul-sim-{run}")
            links = [self._shared]
        else:
            if len(devices) > MAX_DEVICE_CONNECTIONS:
                raise TransportError(
                    f"장치가 너무 많습니다 / {len(devices)} devices: one connection each is allowed up to "
                    f"{MAX_DEVICE_CONNECTIONS}; give --mqtt-url mqtt://user:pass@host:port of an account that may "
                    "publish to maeul/#"
                )
            for d in devices:
                username = device_username(self.tenant, d.id)
                self._links[d.id] = _Link(self.address, username, d.token, f"maeul-sim-{run}-{d.id}")
            links = list(self._links.values())
        deadline = time.monotonic() + self._connect_timeout_s
        try:
            for link in links:
                link.connect()
            for link in links:
                if not link.wait_connected(deadline):
                    raise TransportError(
                        f"MQTT 연결 실패 / could not connect to {self.address.host}:{self.address.port} within "
                        f"{self._connect_timeout_s:g} s: {link.error or 'no answer'}"
                    )
        except BaseException:
            self.close()
            raise

    def send(self, device: SimDevice, payload: bytes) -> str | None:
        link = self._shared or self._links[device.id]
        return link.publish(self._topics[device.id], payload, self._publish_timeout_s)

    def close(self) -> None:
        links = [*self._links.values(), *([self._shared] if self._shared else [])]
        self._links, self._shared = {}, None
        for link in links:
            link.close()

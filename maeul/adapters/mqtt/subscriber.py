"""Telemetry ingest over MQTT: a shared, persistent QoS 1 subscription acknowledged only after storage."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from maeul.adapters.mqtt.sink import TelemetrySink
from maeul.adapters.mqtt.topics import TELEMETRY_FILTER, parse_telemetry_topic, shared_subscription

log = logging.getLogger("maeul.mqtt")
_paho_log = logging.getLogger("maeul.mqtt.paho")

DEFAULT_SESSION_EXPIRY_S = 7 * 24 * 3600


class MqttStartError(RuntimeError):
    """The ingest client could not connect and subscribe; the message says why."""


@dataclass(frozen=True)
class BrokerAddress:
    """Where and as whom to connect, parsed from ``mqtt://user:password@host:port``."""

    host: str
    port: int
    username: str | None
    password: str | None


def parse_mqtt_url(url: str) -> BrokerAddress:
    """Parse ``mqtt://user:password@host:port`` (user and password percent-encoded; port 1883 by default)."""
    parts = urlsplit(url)
    if parts.scheme != "mqtt":
        raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r}: expected mqtt://")
    if not parts.hostname:
        raise ValueError("MQTT URL has no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("MQTT URL must be mqtt://user:password@host:port with nothing after the port")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return BrokerAddress(parts.hostname, parts.port or 1883, username, password)


class _PahoLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """paho's log lines on ``maeul.mqtt.paho``, prefixed with the client id."""

    def __init__(self, client_id: str) -> None:
        super().__init__(_paho_log, {})
        self.client_id = client_id

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.logger.isEnabledFor(level):
            return
        if level > logging.DEBUG and str(msg).startswith("Client is not connected"):
            level = logging.DEBUG  # paho 2.2 logs this as an error on every normal stop and reconnect wait
            if not self.logger.isEnabledFor(level):
                return
        if args:
            self.logger.log(level, "%s: " + str(msg), self.client_id, *args, **kwargs)
        else:  # an already formatted line may hold a '%'
            self.logger.log(level, "%s: %s", self.client_id, msg, **kwargs)


class MqttIngestClient:
    """Receives telemetry on ``$share/<group>/maeul/+/+/telemetry`` and PUBACKs each message once stored.

    With an empty ``share_group`` it subscribes to ``maeul/+/+/telemetry`` alone (one exclusive worker).

    The session is persistent (MQTT 5, clean start off, session expiry), so unacknowledged messages are
    redelivered after a reconnect or restart with the same ``client_id``: delivery is at least once.
    """

    def __init__(
        self,
        url: str,
        client_id: str,
        share_group: str,
        sink: TelemetrySink,
        *,
        session_expiry_s: int = DEFAULT_SESSION_EXPIRY_S,
        receive_maximum: int = 1000,
        keepalive_s: int = 60,
        reconnect_min_delay_s: int = 1,
        reconnect_max_delay_s: int = 10,
    ) -> None:
        if not client_id:
            raise ValueError("a persistent session needs a non-empty client_id")
        self._address = parse_mqtt_url(url)
        self._client_id = client_id
        # An empty group means one exclusive worker: Mosquitto 2.0 restores plain subscriptions of offline
        # sessions after a restart, but not shared ones (messages published before we resubscribe are lost).
        self._filter = shared_subscription(share_group) if share_group else TELEMETRY_FILTER
        self._sink = sink
        self._keepalive_s = keepalive_s
        self._cond = threading.Condition()
        self._generation = 0  # bumped on every connect and disconnect; acks of older ones are dropped
        self._connected = False
        self._subscribed = False
        self._sub_mid: int | None = None
        self._barrier_mid: int | None = None
        self._start_error: str | None = None
        self._last_error: str | None = None
        self._stopping = False
        self._running = False
        self._received = 0
        self._acked = 0
        self._rejected = 0
        self._stale = 0

        self._connect_properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        self._connect_properties.SessionExpiryInterval = session_expiry_s
        self._connect_properties.ReceiveMaximum = receive_maximum
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5, manual_ack=True)
        if self._address.username is not None:
            client.username_pw_set(self._address.username, self._address.password)
        client.reconnect_delay_set(reconnect_min_delay_s, reconnect_max_delay_s)
        # paho formats a debug line for every packet when ``on_log`` is set; a logger is asked first whether
        # the level is enabled, so the hot path formats nothing unless debug logging is on.
        client.enable_logger(_PahoLogger(client_id))  # type: ignore[arg-type]
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self, timeout_s: float = 10.0) -> None:
        """Connect, start the network thread and wait until subscribed; MqttStartError after ``timeout_s``."""
        with self._cond:
            if self._running:
                raise RuntimeError("MqttIngestClient already started")
            self._running, self._stopping, self._start_error = True, False, None
        address = self._address
        log.info("connecting to mqtt://%s:%s as %r", address.host, address.port, self._client_id)
        try:
            self._client.connect_async(
                address.host, address.port, self._keepalive_s, clean_start=False, properties=self._connect_properties
            )
        except BaseException:
            with self._cond:
                self._running = False
            raise
        self._client.loop_start()
        with self._cond:
            ready = self._cond.wait_for(lambda: self._subscribed or self._start_error is not None, timeout_s)
            error = self._start_error or (None if ready else f"timed out after {timeout_s:g}s")
            last = self._last_error
        if error is not None:
            self.stop()
            detail = f" (last error: {last})" if last and last != error else ""
            raise MqttStartError(
                f"MQTT ingest {self._client_id!r} could not subscribe to {self._filter!r} "
                f"on {address.host}:{address.port}: {error}{detail}"
            )
        log.info("subscribed to %s as %r", self._filter, self._client_id)

    def stop(self, flush_timeout_s: float = 5.0) -> None:
        """Disconnect (the session and its unacknowledged messages stay on the broker) and join the thread."""
        with self._cond:
            if not self._running:
                return
            self._stopping = True
            connected = self._connected
        if connected:
            self._flush_acks(flush_timeout_s)
        self._client.disconnect()
        self._client.loop_stop()
        with self._cond:
            self._running = False
            self._connected = self._subscribed = False
            self._generation += 1
        log.info("MQTT ingest %r stopped", self._client_id)

    def _flush_acks(self, timeout_s: float) -> None:
        """Wait until the broker has read every PUBACK sent so far, so none is lost when we disconnect.

        Mosquitto may accept a new connection with the same client id before reading the old socket's
        pending PUBACKs, and then drops them (the messages come again). It reads each socket in order, so
        the SUBACK of a repeated (idempotent) SUBSCRIBE proves the earlier PUBACKs were processed.
        """
        with self._cond:
            result, mid = self._client.subscribe(self._filter, options=SubscribeOptions(qos=1))
            if result != paho.MQTT_ERR_SUCCESS or mid is None:
                return
            self._sub_mid = self._barrier_mid = mid
            flushed = self._cond.wait_for(lambda: self._barrier_mid is None or not self._connected, timeout_s)
        if not flushed:
            log.warning("MQTT ingest %r: broker did not confirm pending acks; they may be redelivered", self._client_id)

    def __enter__(self) -> MqttIngestClient:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- counters ----------------------------------------------------------------------------------------

    @property
    def received(self) -> int:
        """Messages delivered by the broker (redeliveries included)."""
        with self._cond:
            return self._received

    @property
    def acked(self) -> int:
        """Messages completed and acknowledged (QoS 0 ones need no PUBACK but are counted)."""
        with self._cond:
            return self._acked

    @property
    def rejected(self) -> int:
        """Messages with a malformed topic, dead-lettered through the sink and acknowledged."""
        with self._cond:
            return self._rejected

    @property
    def stale_acks(self) -> int:
        """Completions that came after their connection was gone: not acked, the broker redelivers them."""
        with self._cond:
            return self._stale

    @property
    def is_subscribed(self) -> bool:
        """True while connected with the shared subscription in place."""
        with self._cond:
            return self._subscribed

    # -- paho callbacks (network thread) -------------------------------------------------------------------

    def _on_connect(
        self, client: paho.Client, _userdata: Any, flags: paho.ConnectFlags, reason: ReasonCode, _p: Any
    ) -> None:
        if reason.is_failure:
            message = f"connection refused: {reason}"
            log.error("MQTT ingest %r: %s", self._client_id, message)
            with self._cond:
                self._last_error = message
                if reason.value in (0x86, 0x87, 0x85, 0x8C) and not self._subscribed:
                    self._start_error = message  # bad credentials: retrying start() will not help
                self._cond.notify_all()
            return
        with self._cond:
            self._generation += 1
            self._connected = True
        # on_subscribe runs later on this same thread, so _sub_mid is set before it is read.
        result, mid = client.subscribe(self._filter, options=SubscribeOptions(qos=1))
        with self._cond:
            self._sub_mid = mid
        log.info(
            "MQTT ingest %r connected (session present: %s); subscribing (%s)",
            self._client_id,
            flags.session_present,
            result,
        )

    def _on_connect_fail(self, _client: paho.Client, _userdata: Any) -> None:
        with self._cond:
            self._last_error = "connection failed (broker unreachable?)"
        log.warning("MQTT ingest %r: cannot reach the broker; retrying with backoff", self._client_id)

    def _on_disconnect(self, _client: paho.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _p: Any) -> None:
        with self._cond:
            self._generation += 1
            self._connected = self._subscribed = False
            stopping = self._stopping
            if not stopping:
                self._last_error = f"disconnected: {reason}"
            self._cond.notify_all()
        if stopping:
            log.debug("MQTT ingest %r disconnected", self._client_id)
        else:
            log.warning("MQTT ingest %r lost the broker (%s); reconnecting with backoff", self._client_id, reason)

    def _on_subscribe(self, _client: paho.Client, _userdata: Any, mid: int, reasons: list[ReasonCode], _p: Any) -> None:
        with self._cond:
            if mid != self._sub_mid:
                return
            failures = [str(r) for r in reasons if r.is_failure or r.value < 1]
            if mid == self._barrier_mid:
                self._barrier_mid = None
            if failures:
                self._last_error = self._start_error = f"subscription refused: {', '.join(failures)}"
                log.error("MQTT ingest %r: %s", self._client_id, self._last_error)
            else:
                self._subscribed = True
            self._cond.notify_all()

    def _on_message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        with self._cond:
            self._received += 1
            generation = self._generation
        payload = bytes(message.payload)
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = "<topic is not UTF-8>"
        done = self._completion(message.mid, message.qos, generation)
        parsed = parse_telemetry_topic(topic)
        try:
            if parsed is None:
                self._sink.reject_mqtt(topic, payload, "malformed telemetry topic")
                with self._cond:
                    self._rejected += 1
                done()
            else:
                self._sink.submit_mqtt(parsed[0], parsed[1], payload, topic, done)
        except Exception:
            # Unacknowledged, the message stays in flight on the broker and is redelivered after a reconnect.
            log.exception("MQTT ingest %r: sink failed on %r; message left unacknowledged", self._client_id, topic)

    def _completion(self, mid: int, qos: int, generation: int) -> Callable[[], None]:
        fired = False

        def on_stored() -> None:
            nonlocal fired
            with self._cond:
                if fired:
                    return
                fired = True
                if generation != self._generation or not self._connected:
                    # A PUBACK on a newer connection could acknowledge another message with the same id.
                    self._stale += 1
                    return
                if qos > 0:
                    self._client.ack(mid, qos)
                self._acked += 1

        return on_stored

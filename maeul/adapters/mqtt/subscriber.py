"""Telemetry ingest over MQTT: a shared, persistent QoS 1 subscription acknowledged only after storage.

The client is gmqtt (asyncio), run on its own event loop in one thread. It replaced paho-mqtt here because
Maeul's receivers spent about twice the CPU per received message with paho (256 against 132 µs in an A/B
on one machine, docs/performance.md, run 6), which bounded ingestion on a 2-core machine.

QoS 1 deliveries take gmqtt's own hook for them (``_handle_qos_1_publish_packet``, which knows the packet id),
not its ``on_message`` coroutine: gmqtt would wrap every message in an asyncio task and write each PUBACK with a
system call of its own, a third of a receiver's CPU. Here a message is handed to the sink at once, and the
PUBACKs of every message stored since the last turn of the loop go out in one write (docs/performance.md,
run 10). gmqtt is pinned to 0.8; :func:`_qos1_hook` checks at start that the hook is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import gmqtt

from maeul.adapters.mqtt.sink import TelemetrySink
from maeul.adapters.mqtt.topics import TELEMETRY_FILTER, parse_telemetry_topic, shared_subscription

log = logging.getLogger("maeul.mqtt")
_gmqtt_log = logging.getLogger("maeul.mqtt.gmqtt")

DEFAULT_SESSION_EXPIRY_S = 7 * 24 * 3600
# PUBACK with reason code 0 (Success) and no properties: remaining length 2, the same bytes in MQTT 3.1.1 and 5.
_PUBACK = struct.Struct("!BBH")
_PUBACK_TYPE = 0x40


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


# CONNACK refusals that retrying cannot fix (bad credentials, not authorized, bad client id, bad auth method).
_PERMANENT_REFUSALS = frozenset({0x85, 0x86, 0x87, 0x8C})


class MqttIngestClient:
    """Receives telemetry on ``$share/<group>/maeul/+/+/telemetry`` and PUBACKs each message once stored.

    With an empty ``share_group`` it subscribes to ``maeul/+/+/telemetry`` alone (one exclusive worker).

    The session is persistent (MQTT 5, clean start off, session expiry), so unacknowledged messages are
    redelivered after a reconnect or restart with the same ``client_id``: delivery is at least once.
    Each message is handed to the sink with a completion; gmqtt sends its PUBACK when the completion has
    been called (from any thread) and the connection it came on is still the current one.
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
        self._session_expiry_s = session_expiry_s
        self._receive_maximum = receive_maximum
        self._reconnect_min_delay_s = reconnect_min_delay_s
        self._reconnect_max_delay_s = reconnect_max_delay_s
        self._cond = threading.Condition()
        self._generation = 0  # bumped on every connect and disconnect; acks of older ones are dropped
        self._connected = False
        self._subscribed = False
        self._sub_mid: int | None = None
        self._barrier_pending = False
        self._start_error: str | None = None
        self._last_error: str | None = None
        self._stopping = False
        self._running = False
        self._received = 0
        self._acked = 0
        self._rejected = 0
        self._stale = 0
        # (generation, packet id) of stored messages whose PUBACK the event loop has yet to write (guarded by _cond).
        self._ready: list[tuple[int, int]] = []
        self._wake_pending = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None  # gmqtt.Client, made on the loop
        self._connector: asyncio.Task[None] | None = None
        self._subscription = gmqtt.Subscription(self._filter, qos=1)

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self, timeout_s: float = 10.0) -> None:
        """Connect, start the network thread and wait until subscribed; MqttStartError after ``timeout_s``."""
        with self._cond:
            if self._running:
                raise RuntimeError("MqttIngestClient already started")
            self._running, self._stopping, self._start_error = True, False, None
        address = self._address
        log.info("connecting to mqtt://%s:%s as %r", address.host, address.port, self._client_id)
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(self._on_loop_exception)
        self._loop = loop
        self._thread = threading.Thread(target=self._run_loop, name=f"mqtt-ingest-{self._client_id}", daemon=True)
        self._thread.start()
        loop.call_soon_threadsafe(self._begin)
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
        loop, thread = self._loop, self._thread
        assert loop is not None and thread is not None
        if connected:
            self._flush_acks(flush_timeout_s)
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=flush_timeout_s + 5)
        with self._cond:
            self._generation += 1
            self._connected = self._subscribed = False
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        with self._cond:
            self._running = False
            self._ready.clear()
            self._wake_pending = False
        self._loop = self._thread = self._client = None
        log.info("MQTT ingest %r stopped", self._client_id)

    def _flush_acks(self, timeout_s: float) -> None:
        """Wait until the broker has read every PUBACK sent so far, so none is lost when we disconnect.

        Mosquitto may accept a new connection with the same client id before reading the old socket's
        pending PUBACKs, and then drops them (the messages come again). It reads each socket in order, so
        the SUBACK of a repeated (idempotent) SUBSCRIBE proves the earlier PUBACKs were processed.
        """
        assert self._loop is not None
        with self._cond:
            self._barrier_pending = True
        asyncio.run_coroutine_threadsafe(self._send_barrier(), self._loop)
        with self._cond:
            flushed = self._cond.wait_for(lambda: not self._barrier_pending or not self._connected, timeout_s)
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

    # -- the event loop (its own thread) --------------------------------------------------------------------

    def _run_loop(self) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # A message's task cancelled because its connection ended makes gmqtt's PUBACK callback raise
        # CancelledError: that is the intended outcome (no PUBACK on a connection the message did not come on).
        if isinstance(context.get("exception"), asyncio.CancelledError):
            return
        loop.default_exception_handler(context)

    def _begin(self) -> None:
        address = self._address
        client = gmqtt.Client(
            self._client_id,
            clean_session=False,
            optimistic_acknowledgement=False,
            logger=_gmqtt_log,
            session_expiry_interval=self._session_expiry_s,
            receive_maximum=self._receive_maximum,
        )
        if address.username is not None:
            client.set_auth_credentials(address.username, address.password)
        # After the first connection gmqtt reconnects by itself, at a fixed delay: the shortest one. The growing
        # back-off up to reconnect_max_delay_s applies to the first connection only (_connect_first).
        client.set_config({"reconnect_delay": self._reconnect_min_delay_s})
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        try:
            _qos1_hook(client, self._on_qos1_publish)
        except RuntimeError as exc:
            with self._cond:
                self._start_error = str(exc)
                self._cond.notify_all()
            return
        self._client = client
        self._connector = asyncio.get_running_loop().create_task(self._connect_first(client))

    async def _connect_first(self, client: Any) -> None:
        """The first connection, retried with back-off; after it, gmqtt reconnects by itself."""
        address = self._address
        delay = float(self._reconnect_min_delay_s)
        while True:
            try:
                await client.connect(address.host, address.port, keepalive=self._keepalive_s)
                return
            except gmqtt.MQTTConnectError as exc:
                message = f"connection refused: {exc}"
                log.error("MQTT ingest %r: %s", self._client_id, message)
                with self._cond:
                    self._last_error = message
                    if getattr(exc, "_code", None) in _PERMANENT_REFUSALS and not self._subscribed:
                        self._start_error = message  # bad credentials: retrying start() will not help
                    self._cond.notify_all()
                return  # a transient refusal is retried by gmqtt itself
            except OSError as exc:
                with self._cond:
                    self._last_error = "connection failed (broker unreachable?)"
                log.warning("MQTT ingest %r: cannot reach the broker (%s); retrying with backoff", self._client_id, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, float(self._reconnect_max_delay_s))

    async def _shutdown(self) -> None:
        if self._connector is not None and not self._connector.done():
            self._connector.cancel()
        client = self._client
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 5)

    async def _send_barrier(self) -> None:
        # Write the PUBACKs of everything stored so far, then the SUBSCRIBE on the same connection after them.
        self._release_ready()
        with self._cond:
            if not self._connected or self._client is None:
                self._barrier_pending = False
                self._cond.notify_all()
                return
        self._subscribe(self._client)

    def _subscribe(self, client: Any) -> None:
        """(Re)send the SUBSCRIBE; its SUBACK marks the subscription in place and ends a pending barrier."""
        mid = client.resubscribe(self._subscription)
        with self._cond:
            self._sub_mid = mid

    def _release_ready(self) -> None:
        """Write the PUBACKs of the messages stored since the last call, in one write on the current connection."""
        with self._cond:
            ready, self._ready = self._ready, []
            self._wake_pending = False
            connection = getattr(self._client, "_connection", None) if self._connected else None
            generation = self._generation if connection is not None else -1
            mids = [mid for gen, mid in ready if gen == generation]
            # Stored after their connection ended: a PUBACK on a newer connection could acknowledge another
            # message with the same packet id, so none is sent and the broker redelivers them.
            self._stale += len(ready) - len(mids)
            self._acked += len(mids)
        if mids:
            assert connection is not None
            connection.send_package(b"".join([_PUBACK.pack(_PUBACK_TYPE, 2, mid) for mid in mids]))

    # -- gmqtt callbacks (event loop) -------------------------------------------------------------------------

    def _on_connect(self, client: Any, session_present: int, _result: int, _properties: Any) -> None:
        with self._cond:
            self._generation += 1
            self._connected = True
        self._subscribe(client)
        log.info("MQTT ingest %r connected (session present: %s); subscribing", self._client_id, bool(session_present))

    def _on_disconnect(self, _client: Any, _packet: Any, exc: object = None) -> None:
        with self._cond:
            self._generation += 1
            self._connected = self._subscribed = False
            stopping = self._stopping
            if not stopping:
                self._last_error = f"disconnected: {exc or 'connection lost'}"
            self._cond.notify_all()
        if stopping:
            log.debug("MQTT ingest %r disconnected", self._client_id)
        else:
            log.warning("MQTT ingest %r lost the broker; reconnecting", self._client_id)

    def _on_subscribe(self, _client: Any, mid: int, granted: tuple[int, ...], _properties: Any) -> None:
        with self._cond:
            if mid != self._sub_mid:
                return
            self._barrier_pending = False
            failures = [hex(code) for code in granted if code >= 0x80 or code < 1]
            if failures:
                self._last_error = self._start_error = f"subscription refused: {', '.join(failures)}"
                log.error("MQTT ingest %r: %s", self._client_id, self._last_error)
            else:
                self._subscribed = True
            self._cond.notify_all()

    def _on_message(self, _client: Any, topic: str | bytes, payload: bytes, qos: int, _properties: Any) -> None:
        """gmqtt's callback for QoS 0 messages (the subscription grants at most 1, so nothing comes at 2)."""
        self._deliver(topic, payload, None)

    def _on_qos1_publish(self, mid: int, payload: bytes, topic: str | bytes, _properties: Any) -> None:
        """gmqtt's hook for a QoS 1 PUBLISH: hand it over; its PUBACK goes out once the sink says it is stored."""
        self._deliver(topic, payload, mid)

    def _deliver(self, topic: str | bytes, payload: bytes, mid: int | None) -> None:
        with self._cond:
            self._received += 1
            generation = self._generation
        if isinstance(topic, bytes):  # gmqtt passes a topic that is not UTF-8 undecoded
            topic = "<topic is not UTF-8>"
        done = self._completion(mid, generation)
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

    def _completion(self, mid: int | None, generation: int) -> Callable[[], None]:
        """The sink's callback for one message: called (from any thread) once it is stored."""
        fired = False
        loop = self._loop
        assert loop is not None

        def on_stored() -> None:
            nonlocal fired
            with self._cond:
                if fired:
                    return
                fired = True
                if generation != self._generation or not self._connected:
                    self._stale += 1  # its connection is gone: the broker redelivers it (see _release_ready)
                    return
                if mid is None:  # QoS 0: nothing to acknowledge
                    self._acked += 1
                    return
                self._ready.append((generation, mid))
                wake = not self._wake_pending
                self._wake_pending = True
            if wake:
                with contextlib.suppress(RuntimeError):  # the loop is closed: stopped meanwhile
                    loop.call_soon_threadsafe(self._release_ready)

        return on_stored


def _qos1_hook(client: Any, deliver: Callable[[int, bytes, str | bytes, Any], None]) -> None:
    """Take gmqtt's QoS 1 delivery: ``deliver(packet id, payload, topic, properties)`` instead of its task."""
    handler = getattr(client, "_package_handler", None)
    if handler is None or not callable(getattr(handler, "_handle_qos_1_publish_packet", None)):
        version = getattr(gmqtt, "__version__", "?")
        raise RuntimeError(f"gmqtt {version} has no QoS 1 delivery hook: Maeul needs gmqtt 0.8")
    handler._handle_qos_1_publish_packet = deliver

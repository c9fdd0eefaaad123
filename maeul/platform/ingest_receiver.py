"""An MQTT receiver process: one member of the shared subscription that parses and validates messages, and
hands them to the platform's one writer (in the main process) through a pipe.

Why: receiving, parsing, validating and forwarding a message costs 20–35 µs of Python (docs/performance.md,
run 10), which with the writer's own work would fill one core at well under the store's rate.
Receivers spread that work over processes, while storage keeps one writer: one SQLite write lock holder,
one rule runner seeing every batch, and the main process's after-commit hooks unchanged.

Delivery is unchanged too: a receiver acknowledges a message (PUBACK) only when the writer says that its
readings, or its dead letter, are committed. If the writer's process goes away, the receiver exits at once
without acknowledging anything more: the broker redelivers to the session when it comes back.

The pipe carries lists of tuples (see the record kinds below) rather than objects, which pickle faster.
Started by :class:`maeul.platform.ingest_workers.IngestWorkers` (``maeul serve --ingest-workers N``).
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from maeul.adapters.mqtt.subscriber import MqttIngestClient, MqttStartError
from maeul.adapters.sql.engine import make_engine
from maeul.platform.device_cache import DeviceCache
from maeul.platform.gc_tuning import tune_for_ingest
from maeul.platform.ingest import prepare_message
from maeul.platform.logs import configure_logging
from maeul.platform.settings import Settings

log = logging.getLogger("maeul.ingest.receiver")

# Records, receiver → writer (sent as lists):
# (MESSAGE, token, tenant_id, device_id, retention_days, timezone, [key, ts, value, key, ts, value, ...],
#  letter, topic, payload): the readings flat, one list rather than a tuple each (fewer objects to collect)
MESSAGE = "m"
REJECT = "x"  # (REJECT, token or 0 if no acknowledgement waits for it, topic, payload, reason)
SUBSCRIBED = "s"  # (SUBSCRIBED, bool): the subscription is (or is no longer) in place
FAILED = "f"  # (FAILED, reason): the client could not start; the process exits
# Commands, writer → receiver:
ACKS = "a"  # (ACKS, [token, ...]): committed, acknowledge them
INVALIDATE = "i"  # (INVALIDATE, device_id or None): a device changed; forget it
STOP = "q"  # (STOP,): finish what was handed over, then disconnect and exit

STOP_DRAIN_S = 15.0  # at most this long, after STOP, waiting for the writer to commit what it was handed
STATE_POLL_S = 0.25
SEND_MAX = 5000  # records per pipe message at most
SEND_LINGER_S = 0.001


def client_id_for(base: str, index: int) -> str:
    """Receiver 1 keeps the configured id (the session of a single-process install); others get ``-w<i>``."""
    return base if index == 1 else f"{base}-w{index}"


class ReceiverSink:
    """The :class:`~maeul.adapters.mqtt.sink.TelemetrySink` of a receiver: parse and validate here, forward."""

    def __init__(self, devices: DeviceCache) -> None:
        self.devices = devices
        self.outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending: dict[int, Callable[[], None]] = {}
        self._last_token = 0
        self.closing = False

    def _register(self, on_stored: Callable[[], None]) -> int | None:
        with self._lock:
            if self.closing:
                return None  # stopping: left unacknowledged, the broker redelivers it
            self._last_token += 1
            self._pending[self._last_token] = on_stored
            return self._last_token

    def submit_mqtt(
        self, tenant: str, device_id: int, payload: bytes, topic: str, on_stored: Callable[[], None]
    ) -> None:
        ctx = self.devices.by_id(tenant, device_id)
        if ctx is None:
            self.reject_mqtt(topic, payload, f"no device {device_id} in tenant {tenant!r}", on_stored)
            return
        readings, _rejected, letter = prepare_message(ctx, payload, "mqtt", topic)
        token = self._register(on_stored)
        if token is None:
            return
        values: list[Any] = []
        for r in readings:
            values += (r.key, r.ts, r.value)
        record = (MESSAGE, token, ctx.tenant_id, ctx.device_id, ctx.retention_days, ctx.timezone, values, letter)
        self.outbox.put((*record, topic, payload))

    def reject_mqtt(self, topic: str, payload: bytes, reason: str, on_stored: Callable[[], None] | None = None) -> None:
        token = 0
        if on_stored is not None:
            registered = self._register(on_stored)
            if registered is None:
                return
            token = registered
        self.outbox.put((REJECT, token, topic, payload, reason))

    def acknowledge(self, tokens: list[int]) -> None:
        with self._lock:
            callbacks = [self._pending.pop(token, None) for token in tokens]
        for callback in callbacks:
            if callback is not None:
                try:
                    callback()
                except Exception:  # one failed PUBACK must not stop the others
                    log.exception("acknowledgement failed")

    def close(self) -> None:
        """Hand nothing more to the writer (what arrives from now on stays unacknowledged)."""
        with self._lock:
            self.closing = True

    @property
    def idle(self) -> bool:
        """Nothing handed to the writer is waiting for its commit."""
        with self._lock:
            return not self._pending

    def send_loop(self, conn: Connection) -> None:
        """Forward the outbox to the writer, what arrived within a millisecond of the first in one send."""
        outbox = self.outbox
        while True:
            item = outbox.get()
            if item is None:
                return
            time.sleep(SEND_LINGER_S)  # let a few more come: one send for many instead of a wake-up each
            records = [item]
            stop = False
            while len(records) < SEND_MAX:
                try:
                    more = outbox.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                records.append(more)
            try:
                conn.send(records)
            except OSError:
                return  # the writer is gone; the main loop notices and exits
            if stop:
                return


def _watch_subscription(client: MqttIngestClient, sink: ReceiverSink, stopped: threading.Event) -> None:
    state = True  # start() returned: subscribed
    while not stopped.wait(STATE_POLL_S):
        now = client.is_subscribed
        if now != state:
            state = now
            sink.outbox.put((SUBSCRIBED, now))


def run_receiver(settings: Settings, index: int, conn: Connection) -> None:
    """The receiver process's main function."""
    configure_logging(settings.log_level, settings.log_json)
    assert settings.mqtt_url is not None
    engine = make_engine(settings.resolved_database_url, pool_size=2)
    sink = ReceiverSink(DeviceCache(engine))
    sender = threading.Thread(target=sink.send_loop, args=(conn,), name="maeul-receiver-send", daemon=True)
    sender.start()
    client_id = client_id_for(settings.mqtt_client_id, index)
    client = MqttIngestClient(
        settings.mqtt_url,
        client_id=client_id,
        share_group=settings.mqtt_share_group,
        sink=sink,
        receive_maximum=settings.mqtt_receive_maximum,
    )
    try:
        client.start()
    except MqttStartError as exc:
        sink.outbox.put((FAILED, str(exc)))
        sink.outbox.put(None)
        sender.join(timeout=5.0)
        engine.dispose()
        return
    tune_for_ingest()
    sink.devices.start()
    sink.outbox.put((SUBSCRIBED, True))
    stopped = threading.Event()
    watcher = threading.Thread(target=_watch_subscription, args=(client, sink, stopped), daemon=True)
    watcher.start()
    deadline: float | None = None
    while True:
        if deadline is not None and (sink.idle or time.monotonic() > deadline):
            break
        try:
            if deadline is not None and not conn.poll(0.05):
                continue
            command = conn.recv()
        except (EOFError, OSError):
            # The writer's process is gone: acknowledge nothing more. Exiting closes the broker connection;
            # the broker keeps the session and redelivers the unacknowledged messages.
            log.error("receiver %s: the writer process is gone; exiting without acknowledging", client_id)
            os._exit(1)
        kind = command[0]
        if kind == ACKS:
            sink.acknowledge(command[1])
        elif kind == INVALIDATE:
            sink.devices.invalidate(command[1])
        elif kind == STOP:
            sink.close()
            deadline = time.monotonic() + STOP_DRAIN_S
    if not sink.idle:
        log.warning("receiver %s: stopping with messages not yet stored; the broker redelivers them", client_id)
    stopped.set()
    sink.devices.stop()
    client.stop()
    sink.outbox.put(None)
    sender.join(timeout=5.0)
    watcher.join(timeout=1.0)
    conn.close()
    engine.dispose()


def main(argv: list[str]) -> None:
    """``python -m maeul.platform.ingest_receiver FD INDEX``: FD is a socket to the writer's process, which
    sends the settings first."""
    conn = Connection(int(argv[1]))
    try:
        settings = conn.recv()
    except (EOFError, OSError):
        return
    run_receiver(settings, int(argv[2]), conn)


if __name__ == "__main__":
    main(sys.argv)

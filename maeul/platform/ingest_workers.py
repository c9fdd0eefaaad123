"""MQTT receiver processes beside the platform's writer (``maeul serve --ingest-workers N``).

Each receiver (:mod:`maeul.platform.ingest_receiver`) is a member of the shared subscription with its own
client id and persistent session; it parses and validates messages and sends them here through a pipe. A
bridge thread per receiver queues them into the platform's :class:`~maeul.platform.ingest.IngestService`
(its row budget gives the back-pressure: the bridge stops reading, the receiver stops being acknowledged,
and the broker stops sending past the receive maximum); after each commit the writer's callbacks send the
tokens back and the receiver sends the PUBACKs.

A receiver that dies is started again (same client id, so its session and unacknowledged messages are
picked up). Device changes made through this process (``DeviceCache.invalidate``) are passed on to every
receiver's cache.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import maeul
from maeul.adapters.mqtt.subscriber import MqttStartError
from maeul.core.readings import Reading
from maeul.platform import ingest_receiver as rx
from maeul.platform.ingest import IngestService, Message, mqtt_message, rejected_message
from maeul.platform.settings import Settings

log = logging.getLogger("maeul.ingest.workers")

START_TIMEOUT_S = 60.0  # a spawned interpreter imports Maeul before it connects
STOP_TIMEOUT_S = rx.STOP_DRAIN_S + 15.0
RESTART_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
_CLOSE = None


def _spawn(settings: Settings, index: int) -> tuple[Connection, subprocess.Popen[bytes]]:
    """Start ``python -m maeul.platform.ingest_receiver`` with one end of a socket pair as its pipe.

    A fresh interpreter running the receiver module alone (not ``multiprocessing``'s spawn, which would
    import this program's main module again in the child: whatever started the platform - uvicorn, a
    test runner, a script without a main guard - would run once more there). The settings go first.
    """
    ours, theirs = socket.socketpair()
    package_root = str(Path(maeul.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "maeul.platform.ingest_receiver", str(theirs.fileno()), str(index)],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
        )
    finally:
        theirs.close()
    conn = Connection(ours.detach())
    conn.send(settings)
    return conn, process


class _Receiver:
    """One receiver process and the two threads that talk to it."""

    def __init__(self, workers: IngestWorkers, index: int) -> None:
        self.index = index
        self.client_id = rx.client_id_for(workers.settings.mqtt_client_id, index)
        self.conn, self.process = _spawn(workers.settings, index)
        # Committed tokens (a bundle's list) and commands for the receiver, in order.
        self.outbox: queue.SimpleQueue[list[int] | tuple[Any, ...] | None] = queue.SimpleQueue()
        self.subscribed = False
        self.failed: str | None = None
        self.acked = 0
        self._workers = workers
        self._bridge = threading.Thread(target=self._read, name=f"maeul-bridge-{index}", daemon=True)
        self._sender = threading.Thread(target=self._send, name=f"maeul-bridge-send-{index}", daemon=True)
        self._bridge.start()
        self._sender.start()

    # -- receiver → writer ----------------------------------------------------------------------------------

    def _read(self) -> None:
        ingest = self._workers.ingest
        try:
            while True:
                try:
                    records = self.conn.recv()
                except (EOFError, OSError):
                    return
                try:
                    self._submit(ingest, records)
                except Exception:  # left unacknowledged: redelivered after the receiver reconnects
                    log.exception("receiver %s: could not queue %d records", self.client_id, len(records))
        finally:
            self.outbox.put(_CLOSE)
            self._workers._set_state(self, subscribed=False)

    def _submit(self, ingest: IngestService, records: list[tuple[Any, ...]]) -> None:
        """Queue the messages of one pipe message as one bundle, acknowledged together after their commit."""
        messages: list[Message] = []
        tokens: list[int] = []
        for record in records:
            kind = record[0]
            if kind == rx.MESSAGE:
                _, token, tenant_id, device_id, days, timezone, values, letter, topic, payload = record
                readings = [Reading(*values[i : i + 3]) for i in range(0, len(values), 3)]
                messages.append(mqtt_message(tenant_id, device_id, days, timezone, readings, letter, topic, payload))
                tokens.append(token)
            elif kind == rx.REJECT:
                _, token, topic, payload, reason = record
                messages.append(rejected_message(topic, payload, reason))
                if token:
                    tokens.append(token)
            elif kind == rx.SUBSCRIBED:
                self._workers._set_state(self, subscribed=bool(record[1]))
            elif kind == rx.FAILED:
                self._workers._set_state(self, failed=str(record[1]))
        if messages:
            ingest.submit_bundle(messages, partial(self.outbox.put, tokens))

    # -- writer → receiver ----------------------------------------------------------------------------------

    def _send(self) -> None:
        outbox, send = self.outbox, self.conn.send
        broken = False
        while True:
            items = [outbox.get()]
            while len(items) < 10_000:
                try:
                    items.append(outbox.get_nowait())
                except queue.Empty:
                    break
            tokens: list[int] = []
            closing = False
            for item in items:
                if isinstance(item, list):
                    tokens += item
                    continue
                if tokens and not broken:
                    broken = not self._try_send(send, (rx.ACKS, tokens))
                    tokens = []
                if item is _CLOSE:
                    closing = True
                    break
                if not broken:
                    broken = not self._try_send(send, item)
            if tokens and not broken:
                broken = not self._try_send(send, (rx.ACKS, tokens))
            if closing:
                self.conn.close()
                return

    def _try_send(self, send: Callable[[Any], None], message: tuple[Any, ...]) -> bool:
        try:
            send(message)
        except OSError:
            return False  # the receiver is gone; its session's messages will be redelivered
        if message[0] == rx.ACKS:
            self.acked += len(message[1])
        return True

    def command(self, message: tuple[Any, ...]) -> None:
        self.outbox.put(message)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def join(self, timeout: float) -> None:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("receiver %s did not stop in time; terminating it", self.client_id)
            self.process.terminate()
            try:
                self.process.wait(5.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._bridge.join(5.0)
        self._sender.join(5.0)


class IngestWorkers:
    """N receiver processes feeding ``ingest``; used as ``Platform.mqtt`` (``stop``, ``is_subscribed``)."""

    def __init__(self, settings: Settings, ingest: IngestService, count: int | None = None) -> None:
        self.settings = settings
        self.ingest = ingest
        self.count = count if count is not None else settings.ingest_workers
        if not settings.mqtt_url:
            raise ValueError("ingest workers need MAEUL_MQTT_URL")
        if self.count < 1:
            raise ValueError("ingest workers: at least one")
        if self.count > 1 and not settings.mqtt_share_group:
            raise ValueError("several ingest workers need a shared subscription: set MAEUL_MQTT_SHARE_GROUP")
        self._receivers: list[_Receiver] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._acked_by_gone = 0

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the receivers and wait until every one is subscribed; MqttStartError if one cannot."""
        self._stopping.clear()
        self._receivers = [_Receiver(self, i) for i in range(1, self.count + 1)]
        self.ingest.devices.on_invalidate.append(self._invalidate)
        with self._cond:
            ready = self._cond.wait_for(
                lambda: any(r.failed for r in self._receivers) or all(r.subscribed for r in self._receivers),
                timeout_s,
            )
            failures = [f"{r.client_id}: {r.failed}" for r in self._receivers if r.failed]
        if failures or not ready:
            self.stop()
            reason = "; ".join(failures) or f"not all subscribed after {timeout_s:g}s"
            raise MqttStartError(f"MQTT ingest workers could not start: {reason}")
        self._supervisor = threading.Thread(target=self._supervise, name="maeul-ingest-workers", daemon=True)
        self._supervisor.start()
        log.info("%d MQTT ingest workers subscribed", self.count)

    def stop(self) -> None:
        """Let each receiver finish what it handed over, disconnect and exit (the writer keeps running)."""
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join()
            self._supervisor = None
        if self._invalidate in self.ingest.devices.on_invalidate:
            self.ingest.devices.on_invalidate.remove(self._invalidate)
        for receiver in self._receivers:
            receiver.command((rx.STOP,))
        for receiver in self._receivers:
            receiver.join(STOP_TIMEOUT_S)
        log.info("MQTT ingest workers stopped")

    def _supervise(self) -> None:
        restarts = [0] * len(self._receivers)
        while not self._stopping.wait(0.5):
            for slot, receiver in enumerate(self._receivers):
                if receiver.alive or self._stopping.is_set():
                    continue
                delay = RESTART_DELAYS_S[min(restarts[slot], len(RESTART_DELAYS_S) - 1)]
                log.error(
                    "receiver %s exited (code %s, %s); starting it again in %.0fs",
                    receiver.client_id,
                    receiver.process.returncode,
                    receiver.failed or "no reason given",
                    delay,
                )
                receiver.join(1.0)
                if self._stopping.wait(delay):
                    return
                with self._cond:
                    self._acked_by_gone += receiver.acked
                    self._receivers[slot] = _Receiver(self, receiver.index)
                restarts[slot] += 1

    # -- state -----------------------------------------------------------------------------------------------

    def _set_state(self, receiver: _Receiver, *, subscribed: bool | None = None, failed: str | None = None) -> None:
        with self._cond:
            if subscribed is not None:
                receiver.subscribed = subscribed
            if failed is not None:
                receiver.failed = failed
            self._cond.notify_all()

    def _invalidate(self, device_id: int | None) -> None:
        for receiver in self._receivers:
            receiver.command((rx.INVALIDATE, device_id))

    @property
    def is_subscribed(self) -> bool:
        """True while every receiver has its subscription in place."""
        with self._cond:
            return bool(self._receivers) and all(r.subscribed for r in self._receivers)

    @property
    def acked(self) -> int:
        """Messages committed and handed back to their receiver for acknowledgement."""
        with self._cond:
            return self._acked_by_gone + sum(r.acked for r in self._receivers)

    def pids(self) -> list[int]:
        """The receiver processes (for CPU accounting)."""
        return [r.process.pid for r in self._receivers if r.alive]

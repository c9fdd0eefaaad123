"""The ingestion pipeline shared by HTTP and MQTT: parse, validate, buffer, write in batches, then acknowledge.

A message is acknowledged (MQTT PUBACK, HTTP response) only after its rows, or its dead letter, are committed.
Memory is bounded by :class:`RowBudget`; a full buffer blocks MQTT (TCP back-pressure) and makes HTTP answer 503.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from maeul.adapters.sql.devices import DeviceContext
from maeul.adapters.sql.sqlite_gate import mark_bulk_writer
from maeul.adapters.sql.telemetry_store import DeadLetter, DeviceBatch, PreparedWrite, TelemetryStore
from maeul.core.payloads import PayloadError, parse_payload
from maeul.core.profiles import validate
from maeul.core.readings import Reading, Rejection
from maeul.platform.clock import now_ms
from maeul.platform.device_cache import DeviceCache
from maeul.platform.metrics import Metrics
from maeul.platform.row_budget import RowBudget
from maeul.platform.settings import Settings
from maeul.platform.transaction_writes import TransactionHook, TransactionWrites, split_urgent
from maeul.platform.write_queue import WriteQueue

log = logging.getLogger("maeul.ingest")


class IngestBusy(RuntimeError):
    """The write buffer stayed full; the client should retry later."""


@dataclass(slots=True)
class IngestResult:
    accepted: int = 0
    rejected: list[str] = field(default_factory=list)
    error: str | None = None
    malformed: bool = False


# Where a message came from (source, tenant, device, topic, payload): a tuple of plain values, which the
# cyclic garbage collector stops tracking, rather than an object per queued message.
Origin = tuple[str, str | None, int | None, str | None, bytes | str | None]
# One message as queued: its readings (None if it has none), its dead letter (None if none), its origin (kept for
# a dead letter if storing the message fails).
Message = tuple[DeviceBatch | None, DeadLetter | None, Origin]


@dataclass(slots=True)
class _Pending:
    """What the writer takes off its queue: one message, or a receiver's bundle of them acknowledged together."""

    messages: list[Message]
    rows: int
    done: Callable[[], None]  # called once the messages' rows (or dead letters) are committed
    result: IngestResult | None  # what an HTTP caller reads afterwards (None for MQTT)
    queued_at: float  # time.monotonic() when it was queued

    def device_batches(self) -> list[DeviceBatch]:
        return [batch for batch, _, _ in self.messages if batch is not None]


def _rows_of(messages: list[Message]) -> int:
    """Budget rows: a message without readings (a dead letter) counts as one."""
    return sum(len(batch.readings) if batch is not None and batch.readings else 1 for batch, _, _ in messages)


def _nothing() -> None:
    return None


def prepare_message(
    ctx: DeviceContext, payload: bytes | str, source: str, topic: str | None
) -> tuple[list[Reading], list[Rejection], DeadLetter | None]:
    """Readings the profile accepts, the rejections, and the dead letter recording them (if any)."""
    received = now_ms()
    try:
        parsed = parse_payload(payload, received)
    except PayloadError as exc:
        malformed = DeadLetter(source, f"malformed: {exc}", received, ctx.tenant_id, ctx.device_id, topic, payload)
        return [], [Rejection(str(exc))], malformed
    accepted, rejected = validate(parsed.readings, ctx.profile)
    rejected = parsed.rejections + rejected
    letter: DeadLetter | None = None
    if rejected:
        reason = "; ".join(r.reason for r in rejected[:20])
        if len(rejected) > 20:
            reason += f"; and {len(rejected) - 20} more"
        letter = DeadLetter(source, reason, received, ctx.tenant_id, ctx.device_id, topic, payload)
    return accepted, rejected, letter


class IngestService:
    """Implements the MQTT adapter's ``TelemetrySink`` and the HTTP ingest endpoint's logic."""

    def __init__(self, engine: Engine, settings: Settings, metrics: Metrics, store: TelemetryStore) -> None:
        self.engine = engine
        self.settings = settings
        self.metrics = metrics
        self.store = store
        self.devices = DeviceCache(engine)
        self.budget = RowBudget(settings.ingest_queue_rows)
        postgres = engine.dialect.name == "postgresql"
        self._queue: WriteQueue[_Pending] = WriteQueue(settings.ingest_batch_rows, lambda: PreparedWrite(postgres))
        self._thread: threading.Thread | None = None
        # Work done in each batch's transaction (the rule runner), then after its commit (the warnings service).
        self.in_transaction: list[TransactionHook] = []
        self.after_commit: list[Callable[[list[DeviceBatch]], None]] = []
        self._mqtt_accepted = metrics.messages.labels("mqtt", "accepted")
        self._mqtt_rejected = metrics.messages.labels("mqtt", "rejected")

    # --- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> None:
        self._queue.reopen()
        self._thread = threading.Thread(target=self._run, name="maeul-ingest-writer", daemon=True)
        self._thread.start()
        self.devices.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Write everything already accepted, then stop the writer thread."""
        if self._thread is None:
            return
        self._queue.close()
        self._thread.join()
        self._thread = None
        self.devices.stop()

    # --- producers ----------------------------------------------------------------------------------------

    def _enqueue(
        self, messages: list[Message], done: Callable[[], None], result: IngestResult | None, timeout: float | None
    ) -> None:
        rows = _rows_of(messages)
        if not self.budget.acquire(rows, timeout=timeout):
            raise IngestBusy("the write buffer is full; retry shortly")
        self._queue.put(_Pending(messages, rows, done, result, time.monotonic()))

    def submit_http(self, token: str, payload: bytes, timeout: float = 10.0) -> IngestResult | None:
        """Store a device's HTTP message and wait for the commit; None if the token is unknown."""
        ctx = self.devices.by_token(token)
        if ctx is None:
            return None
        readings, rejected, letter = prepare_message(ctx, payload, "http", None)
        result = IngestResult(accepted=len(readings), rejected=[r.reason for r in rejected])
        if letter is not None and not readings:
            result.error = letter.reason
            result.malformed = letter.reason.startswith("malformed: ")
        finished = threading.Event()
        origin: Origin = ("http", ctx.tenant_id, ctx.device_id, None, payload)
        batch = DeviceBatch(ctx.device_id, ctx.retention_days, ctx.timezone, readings) if readings else None
        self._enqueue([(batch, letter, origin)], finished.set, result, timeout)
        self.metrics.messages.labels("http", "rejected" if result.error else "accepted").inc()
        if not finished.wait(timeout=max(timeout, 30.0)):
            raise IngestBusy("storing took too long; the data may still be written, retry is safe")
        return result

    def submit_mqtt(
        self, tenant: str, device_id: int, payload: bytes, topic: str, on_stored: Callable[[], None]
    ) -> None:
        ctx = self.devices.by_id(tenant, device_id)
        if ctx is None:
            self.reject_mqtt(topic, payload, f"no device {device_id} in tenant {tenant!r}", on_stored)
            return
        readings, _rejected, letter = prepare_message(ctx, payload, "mqtt", topic)
        self.submit_prepared(
            ctx.tenant_id, ctx.device_id, ctx.retention_days, ctx.timezone, readings, letter, topic, payload, on_stored
        )

    def submit_prepared(
        self,
        tenant_id: str,
        device_id: int,
        retention_days: int,
        timezone: str,
        readings: list[Reading],
        letter: DeadLetter | None,
        topic: str,
        payload: bytes,
        on_stored: Callable[[], None],
    ) -> None:
        """Queue an MQTT message already parsed and validated."""
        message = mqtt_message(tenant_id, device_id, retention_days, timezone, readings, letter, topic, payload)
        self.submit_bundle([message], on_stored)

    def submit_bundle(self, messages: list[Message], on_stored: Callable[[], None]) -> None:
        """Queue MQTT messages (:func:`mqtt_message`, :func:`rejected_message`), acknowledged together once all
        are committed.

        One queue entry, one budget reservation and one callback for many messages: what a receiver sends
        in one pipe message arrives here together anyway, and the writer commits it in one transaction.
        """
        accepted = sum(1 for batch, _, _ in messages if batch is not None)
        if accepted:
            self._mqtt_accepted.inc(accepted)
        if accepted < len(messages):
            self._mqtt_rejected.inc(len(messages) - accepted)
        self._enqueue(messages, on_stored, None, None)

    def reject_mqtt(self, topic: str, payload: bytes, reason: str, on_stored: Callable[[], None] | None = None) -> None:
        self.submit_bundle([rejected_message(topic, payload, reason)], on_stored or _nothing)

    # --- the writer ---------------------------------------------------------------------------------------

    def _run(self) -> None:
        mark_bulk_writer()  # on SQLite, alarms and deliveries write between our batches (sqlite_gate.py)
        linger = self.settings.ingest_batch_ms / 1000
        while (batch := self._queue.take(linger)) is not None:  # after stop(): what was accepted, then None
            self.metrics.queue_rows.set(self.budget.used)  # the gauge: per batch, not per message
            self.metrics.queue_seconds.observe(time.monotonic() - batch.items[0].queued_at)
            self._write_with_retry(batch.items, batch.prepared)
            self.budget.release(batch.rows)
            for item in batch.items:
                try:
                    item.done()
                except Exception:  # an acknowledgement failing must not stop the pipeline
                    log.exception("acknowledgement callback failed")
            self.metrics.queue_rows.set(self.budget.used)

    def _write_with_retry(self, batch: list[_Pending], prepared: PreparedWrite | None = None) -> None:
        delay = 0.05
        while True:
            try:
                self._write(batch, prepared)
                return
            except DBAPIError as exc:
                if exc.connection_invalidated or _is_transient(exc):
                    log.warning("database unavailable, retrying in %.2fs: %s", delay, exc.orig)
                    time.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                log.exception("batch failed; writing its messages one by one")
                self._write_one_by_one(batch)
                return

    def _write(self, batch: list[_Pending], prepared: PreparedWrite | None = None) -> None:
        self._write_messages([message for item in batch for message in item.messages], prepared)

    def _write_messages(self, messages: list[Message], prepared: PreparedWrite | None = None) -> None:
        """Write the messages; ``prepared`` holds their readings made ready for the store, in the same order."""
        started = time.perf_counter()
        devices = [device for device, _, _ in messages if device is not None]
        letters = [letter for _, letter, _ in messages if letter is not None]
        stored = 0
        with contextlib.ExitStack() as hooks:
            writes = [hooks.enter_context(hook(devices)) for hook in self.in_transaction]
            urgent, first, rest = split_urgent(devices, writes)
            if first:  # alarms first: their devices' readings and writes in a small transaction of their own
                stored += self._commit_part(first, [], writes, urgent)
                prepared = None  # prepared for the whole batch; the rest is prepared again
            stored += self._commit_part(rest, letters, writes, None, prepared)
        rows = sum(len(d.readings) for d in devices)
        self.metrics.write_seconds.observe(time.perf_counter() - started)
        self.metrics.batch_rows.observe(rows)
        self.metrics.readings.inc(stored)
        self.metrics.duplicates.inc(rows - stored)
        for letter in letters:
            self.metrics.dead_letters.labels(letter.source).inc()

    def _commit_part(
        self,
        devices: list[DeviceBatch],
        letters: list[DeadLetter],
        writes: list[TransactionWrites],
        only: frozenset[int] | None,
        prepared: PreparedWrite | None = None,
    ) -> int:
        """One transaction: the devices' readings, the dead letters and the hooks' part for ``only`` those devices
        (None: all they have left); then the after-commit callbacks. Returns the rows that were new."""
        with self.engine.begin() as conn:
            stored = self.store.write(conn, devices, prepared)
            self.store.write_dead_letters(conn, letters)
            for write in writes:
                write(conn, only)
        for callback in self.after_commit:
            callback(devices)
        return stored

    def _write_one_by_one(self, batch: list[_Pending]) -> None:
        for item in batch:
            for message in item.messages:
                try:
                    self._write_messages([message])
                except DBAPIError as exc:
                    reason = f"could not be stored: {exc.orig}"
                    if item.result is not None:
                        item.result.error = reason
                    source, tenant_id, device_id, topic, payload = message[2]
                    letter = DeadLetter(source, reason, now_ms(), tenant_id, device_id, topic, payload)
                    try:
                        with self.engine.begin() as conn:
                            self.store.write_dead_letters(conn, [letter])
                    except DBAPIError:
                        log.exception("could not record the dead letter of a message from %s", letter.source)


def mqtt_message(
    tenant_id: str,
    device_id: int,
    retention_days: int,
    timezone: str,
    readings: list[Reading],
    letter: DeadLetter | None,
    topic: str,
    payload: bytes,
) -> Message:
    """An MQTT message parsed and validated (here or by a receiver process), as the writer queues it."""
    batch = DeviceBatch(device_id, retention_days, timezone, readings) if readings else None
    return batch, letter, ("mqtt", tenant_id, device_id, topic, payload)


def rejected_message(topic: str, payload: bytes, reason: str) -> Message:
    """An MQTT message refused before parsing (unknown device, bad topic): its dead letter only."""
    return (
        None,
        DeadLetter("mqtt", reason, now_ms(), None, None, topic, payload),
        ("mqtt", None, None, topic, payload),
    )


def _is_transient(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return any(
        s in text
        for s in (
            "database is locked",
            "could not connect",
            "connection refused",
            "server closed",
            "terminating connection",
            "deadlock detected",
        )
    )

"""The dispatcher: claims due outbox rows, delivers them, logs every attempt, retries with back-off."""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Engine

from maeul.adapters.notify.message import INTERNAL_ERROR, DeliveryResult, Notification
from maeul.adapters.sql import notify_outbox as store
from maeul.core.alarms import Action
from maeul.core.notify.backoff import Backoff, retry_delay_ms
from maeul.platform.notify.registries import Registries

log = logging.getLogger("maeul.notify")
CONFIG_ERROR = "config_error"


class Dispatcher:
    """Delivers due notifications, logs each attempt, retries transient failures up to ``max_age_ms``."""

    # A permanent failure falls back to the recipient's next channel, or the notification fails.

    def __init__(
        self,
        engine: Engine,
        registries: Registries,
        clock: Callable[[], int],
        *,
        backoff: Backoff,
        max_age_ms: int,
        lease_ms: int,
        batch: int,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.registries = registries
        self.clock = clock
        self.backoff = backoff
        self.max_age_ms = max_age_ms
        self.lease_ms = lease_ms
        self.batch = batch
        self.rng = rng or random.Random()
        self._handed: deque[tuple[str, str]] = deque()  # (lease token, outbox id), see hand_over

    def hand_over(self, token: str, ids: list[str]) -> None:
        """Rows written leased with ``token`` (committed): the next round delivers them without claiming."""
        self._handed.extend((token, i) for i in ids)

    def forget_handed(self) -> None:
        self._handed.clear()

    def run_once(self) -> int:
        """Deliver handed-over rows, or else claim and deliver one batch; returns how many rows were attempted."""
        handed = self._take_handed()
        if handed:
            token = handed[0][0]
            with self.engine.connect() as conn:
                rows = store.leased(conn, [i for t, i in handed if t == token], token)
            if rows:
                return self._deliver(rows, token)
        token = uuid.uuid4().hex
        with self.engine.begin() as conn:
            rows = store.claim(conn, self.clock(), self.lease_ms, self.batch, token)
        if not rows:
            return 0
        return self._deliver(rows, token)

    def _take_handed(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        while len(out) < self.batch:
            try:
                out.append(self._handed.popleft())
            except IndexError:
                break
        return out

    def _deliver(self, rows: list[dict[str, Any]], token: str) -> int:
        outcomes = [(row, *self._attempt(row)) for row in rows]
        # One write transaction for the whole batch: on SQLite every transaction waits its turn for the one
        # write lock (behind the ingest writer's batches), so recording row by row made the last message of a
        # batch wait for every earlier one's turn. If the batch cannot be recorded at once, row by row.
        try:
            with self.engine.begin() as conn:
                for row, result, duration_ms in outcomes:
                    self._record(conn, row, token, result, duration_ms)
        except Exception:
            log.exception("recording %d deliveries at once failed; recording them one by one", len(outcomes))
            for row, result, duration_ms in outcomes:
                with self.engine.begin() as conn:
                    self._record(conn, row, token, result, duration_ms)
        return len(rows)

    def _attempt(self, row: dict[str, Any]) -> tuple[DeliveryResult, int]:
        started = time.monotonic()
        try:
            notification = Notification.from_dict(row["notification"] or {})
        except (TypeError, ValueError) as exc:
            return DeliveryResult.permanent(INTERNAL_ERROR, f"stored notification is unusable: {exc}"), 0
        try:
            with self.engine.connect() as conn:
                registry = self.registries.get(conn, row["tenant_id"])
        except ValueError as exc:  # NotifyConfigError: an admin can fix the settings, so try again later
            return DeliveryResult.retry(CONFIG_ERROR, str(exc)), 0
        result = registry.deliver(notification)
        measured = round((time.monotonic() - started) * 1000)
        reported = result.detail.get("duration_ms")
        return result, int(reported) if isinstance(reported, int | float) else measured

    def _record(self, conn: Any, row: dict[str, Any], token: str, result: DeliveryResult, duration_ms: int) -> None:
        now = self.clock()
        attempts = row["attempts"] + 1
        store.add_attempt(
            conn,
            {
                "outbox_id": row["id"],
                "tenant_id": row["tenant_id"],
                "ts": now,
                "status": result.status[:40],
                "error": result.error,
                "duration_ms": min(duration_ms, 2_147_483_647),
                "detail": _json_safe(result.detail),
            },
        )
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_status": result.status[:40],
            "last_error": result.error,
        }
        if result.ok:
            values.update(status="delivered", delivered_at=now, last_error=None)
        elif result.retryable:
            first = store.first_attempt_at(conn, row["id"]) or now
            if now - first >= self.max_age_ms:
                hours = self.max_age_ms / 3_600_000
                values.update(status="failed", last_error=f"gave up after {hours:g} h: {result.error}")
                log.error("notification %s failed for good: %s", row["id"], values["last_error"])
            else:
                delay = retry_delay_ms(attempts, self.backoff, self.rng.random(), result.retry_after_s)
                values.update(next_attempt_at=now + delay)
        else:
            values.update(status="failed")
            log.warning("notification %s failed: %s %s", row["id"], result.status, result.error)
        if not store.finish(conn, row["id"], token, values):
            log.warning("notification %s: claim lost; another worker owns it now", row["id"])
            return
        if result.ok and row["alarm_id"] is not None:
            details = {"notification_id": row["id"], "channel": row["channel"], "recipient": row["recipient"]}
            alarm = {"id": row["alarm_id"], "tenant_id": row["tenant_id"]}
            store.add_alarm_event(conn, alarm, Action.NOTIFIED.value, now, details)
        if not result.ok and values.get("status") == "failed" and row["fallbacks"]:
            self._fall_back(conn, row, now)

    def _fall_back(self, conn: Any, row: dict[str, Any], now: int) -> None:
        """Queue the message on the recipient's next channel."""
        (channel, address), *rest = row["fallbacks"]
        base = row["id"].rsplit(".", 1)[0]
        notification = dict(row["notification"] or {}, id=f"{base}.{channel}", channel=channel, recipient=address)
        fallback = {
            key: row[key]
            for key in ("tenant_id", "alarm_id", "kind", "step", "recipient", "recipient_name", "severity", "deferred")
        }
        fallback.update(
            id=notification["id"],
            channel=channel,
            address=address,
            notification=notification,
            fallbacks=rest,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        store.insert_outbox(conn, [fallback])
        log.info("notification %s: falling back to %s", row["id"], channel)


def _json_safe(detail: dict[str, Any]) -> Any:
    try:
        return orjson.loads(orjson.dumps(detail, default=str))
    except (TypeError, orjson.JSONEncodeError):
        return {"unserialisable": repr(detail)[:500]}

"""PostgreSQL telemetry partitions: by retention class (list), then by time (range); retention drops them whole.

Each row carries the retention, in days, that applied when it arrived (the tenant's, or its device profile's
override), so that dropping a time partition of a class never removes data that must be kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from maeul.core.rollups import DAY_MS

log = logging.getLogger("maeul.partitions")


def partition_width_ms(retention_days: int) -> int:
    """Narrow partitions for short retention (fine-grained drops), wider ones for long retention."""
    if retention_days <= 31:
        return DAY_MS
    if retention_days <= 400:
        return 7 * DAY_MS
    return 28 * DAY_MS


@dataclass(frozen=True, slots=True)
class TimePartition:
    retention_days: int
    start: int
    end: int

    @property
    def name(self) -> str:
        return f"telemetry_r{self.retention_days}_p{self.start // DAY_MS}"

    @property
    def parent(self) -> str:
        return f"telemetry_r{self.retention_days}"


def partitions_for(retention_days: int, first_ts: int, last_ts: int) -> list[TimePartition]:
    width = partition_width_ms(retention_days)
    start = first_ts // width * width
    out = []
    while start <= last_ts:
        out.append(TimePartition(retention_days, start, start + width))
        start += width
    return out


class PartitionManager:
    """Creates missing partitions before a write (in a short transaction of its own) and drops expired ones."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def load(self) -> None:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname LIKE 'telemetry%'"
                )
            )
            with self._lock:
                self._known.update(r[0] for r in rows)

    def ensure_for_rows(self, retention: Sequence[int], timestamps: Sequence[int]) -> None:
        spans: dict[int, tuple[int, int]] = {}
        for days, ts in zip(retention, timestamps, strict=True):
            low, high = spans.get(days, (ts, ts))
            spans[days] = (min(low, ts), max(high, ts))
        for days, (low, high) in spans.items():
            for part in partitions_for(days, low, high):
                if part.name not in self._known:
                    self.create(part)

    def create(self, part: TimePartition) -> None:
        for attempt in range(5):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        text(
                            f"CREATE TABLE IF NOT EXISTS {part.parent} PARTITION OF telemetry "
                            f"FOR VALUES IN ({int(part.retention_days)}) PARTITION BY RANGE (ts)"
                        )
                    )
                    conn.execute(
                        text(
                            f"CREATE TABLE IF NOT EXISTS {part.name} PARTITION OF {part.parent} "
                            f"FOR VALUES FROM ({int(part.start)}) TO ({int(part.end)})"
                        )
                    )
                break
            except (ProgrammingError, DBAPIError) as exc:  # another worker created it at the same moment
                if "already exists" not in str(exc.orig) or attempt == 4:
                    raise
        with self._lock:
            self._known.update({part.parent, part.name})

    def drop_expired(self, now_ms: int) -> list[str]:
        """Drop every time partition whose newest possible row is older than its class's retention."""
        self.load()
        dropped = []
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relname, p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname LIKE 'telemetry\\_r%'"
                )
            ).all()
        for name, _parent in rows:
            days_text, _, start_text = name.removeprefix("telemetry_r").partition("_p")
            if not start_text.isdigit() or not days_text.isdigit():
                continue
            days = int(days_text)
            end = int(start_text) * DAY_MS + partition_width_ms(days)
            if end <= now_ms - days * DAY_MS:
                with self.engine.begin() as conn:
                    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
                dropped.append(name)
                with self._lock:
                    self._known.discard(name)
        if dropped:
            log.info("retention dropped %d telemetry partition(s): %s", len(dropped), ", ".join(dropped))
        return dropped

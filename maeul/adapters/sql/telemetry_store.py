"""Write telemetry: raw rows (duplicates ignored), latest values and minute/hour/day rollups, in one go.

Latest values and rollups are computed by the database from the rows it actually inserted (PostgreSQL
``RETURNING``, SQLite a staging table cleared of stored rows), so a redelivered message never counts twice.
The dialect-specific SQL is in :mod:`maeul.adapters.sql.telemetry_sql`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert

from maeul.adapters.sql.raw_cursor import raw_cursor
from maeul.adapters.sql.tables import dead_letters
from maeul.adapters.sql.telemetry_sql import PostgresBulk, PostgresColumns, SqliteBulk, StagedRow
from maeul.core.readings import Reading

PAYLOAD_LIMIT = 65_536


@dataclass(slots=True)
class DeviceBatch:
    """Readings of one device in one message, with what the store needs to place them."""

    device_id: int
    retention_days: int
    timezone: str
    readings: Sequence[Reading]


@dataclass(slots=True)
class DeadLetter:
    source: str
    reason: str
    received_at: int
    tenant_id: str | None = None
    device_id: int | None = None
    topic: str | None = None
    payload: bytes | str | None = None


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def utc_offset_ms(timezone: str, at_ms: int) -> int:
    """The zone's UTC offset at an instant (day and hour rollups start at local boundaries)."""
    offset = datetime.fromtimestamp(at_ms / 1000, tz=UTC).astimezone(_zone(timezone)).utcoffset()
    return int(offset.total_seconds() * 1000) if offset else 0


_SQLITE_STAGE_READY = "maeul_telemetry_stage"  # key in the pooled connection's info: staging table created


class TelemetryStore:
    """Stateless writer; ``before_insert`` lets the PostgreSQL partition manager create partitions first."""

    def __init__(self, before_insert: Callable[[Sequence[int], Sequence[int]], None] | None = None) -> None:
        self.before_insert = before_insert

    def write(self, conn: Connection, batches: Iterable[DeviceBatch]) -> int:
        """Store the readings; returns how many raw rows were new (duplicates are skipped silently)."""
        with raw_cursor(conn, "telemetry bulk write") as cursor:
            if conn.dialect.name == "postgresql":
                return self._write_postgres(cursor, batches)
            return self._write_sqlite(conn, cursor, batches)

    def _write_sqlite(self, conn: Connection, cursor: Any, batches: Iterable[DeviceBatch]) -> int:
        batches = list(batches)
        if not any(batch.readings for batch in batches):
            return 0
        offset_of_tz: dict[str, int] = {}
        reference_ts = next(batch.readings[0].ts for batch in batches if batch.readings)
        rows: list[StagedRow] = []
        append = rows.append
        for batch in batches:
            device_id, days = batch.device_id, batch.retention_days
            offset = offset_of_tz.get(batch.timezone)
            if offset is None:
                offset = offset_of_tz[batch.timezone] = utc_offset_ms(batch.timezone, reference_ts)
            for r in batch.readings:
                value = r.value
                if isinstance(value, float):
                    append((device_id, r.key, r.ts, value, None, days, offset))
                else:
                    append((device_id, r.key, r.ts, None, value, days, offset))
        if self.before_insert is not None:
            self.before_insert([r[5] for r in rows], [r[2] for r in rows])
        info = conn.connection.info
        if not info.get(_SQLITE_STAGE_READY):
            info[_SQLITE_STAGE_READY] = SqliteBulk.prepare(cursor)
        return SqliteBulk().write(cursor, rows)

    def _write_postgres(self, cursor: Any, batches: Iterable[DeviceBatch]) -> int:
        columns = PostgresColumns()
        offset_of_tz: dict[str, int] = {}
        reference_ts: int | None = None  # zone offsets are taken at the first reading, as on SQLite
        for batch in batches:
            if not batch.readings:
                continue
            if reference_ts is None:
                reference_ts = batch.readings[0].ts
            offset = offset_of_tz.get(batch.timezone)
            if offset is None:
                offset = offset_of_tz[batch.timezone] = utc_offset_ms(batch.timezone, reference_ts)
            columns.add(batch.device_id, batch.retention_days, offset, batch.readings)
        if not len(columns):
            return 0
        if self.before_insert is not None:  # the span of each retention class: its oldest and newest stamp
            days = [d for d in columns.spans for _ in range(2)]
            self.before_insert(days, [ts for span in columns.spans.values() for ts in span])
        return PostgresBulk().write(cursor, columns)

    @staticmethod
    def write_dead_letters(conn: Connection, letters: Sequence[DeadLetter]) -> None:
        if not letters:
            return
        values = []
        for letter in letters:
            payload = letter.payload
            if isinstance(payload, bytes):
                payload = payload[:PAYLOAD_LIMIT].decode("utf-8", errors="replace")
            elif isinstance(payload, str):
                payload = payload[:PAYLOAD_LIMIT]
            if payload is not None:
                payload = payload.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL
            values.append(
                {
                    "tenant_id": letter.tenant_id,
                    "device_id": letter.device_id,
                    "source": letter.source,
                    "topic": letter.topic,
                    "payload": payload,
                    "reason": letter.reason[:4000].replace("\x00", "\ufffd"),
                    "received_at": letter.received_at,
                }
            )
        conn.execute(insert(dead_letters), values)

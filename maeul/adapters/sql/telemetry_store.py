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


class PreparedWrite:
    """Batches made ready for one bulk write as they arrive, before the writer's transaction begins.

    The per-reading work (rows for SQLite's stage, array literals for PostgreSQL) is done in :meth:`add`, so
    a pipeline can do it while the previous batch is being written (the database releases the interpreter
    lock). Zone offsets are taken at the first reading added, on both stores.
    """

    __slots__ = ("_offset_of_tz", "_reference_ts", "columns", "rows")

    def __init__(self, postgres: bool) -> None:
        self.rows: list[StagedRow] = []  # SQLite
        self.columns = PostgresColumns() if postgres else None
        self._offset_of_tz: dict[str, int] = {}
        self._reference_ts: int | None = None

    def __len__(self) -> int:
        return len(self.columns) if self.columns is not None else len(self.rows)

    def add(self, batch: DeviceBatch) -> None:
        readings = batch.readings
        if not readings:
            return
        if self._reference_ts is None:
            self._reference_ts = readings[0].ts
        offset = self._offset_of_tz.get(batch.timezone)
        if offset is None:
            offset = self._offset_of_tz[batch.timezone] = utc_offset_ms(batch.timezone, self._reference_ts)
        if self.columns is not None:
            self.columns.add(batch.device_id, batch.retention_days, offset, readings)
            return
        device_id, days = batch.device_id, batch.retention_days
        append = self.rows.append
        for r in readings:
            value = r.value
            if isinstance(value, float):
                append((device_id, r.key, r.ts, value, None, days, offset))
            else:
                append((device_id, r.key, r.ts, None, value, days, offset))

    def spans(self) -> tuple[list[int], list[int]]:
        """Retention classes and stamps covering every row: each class's oldest and newest stamp."""
        if self.columns is not None:
            spans = self.columns.spans
            return [d for d in spans for _ in range(2)], [ts for span in spans.values() for ts in span]
        return [r[5] for r in self.rows], [r[2] for r in self.rows]


class TelemetryStore:
    """Stateless writer; ``before_insert`` lets the PostgreSQL partition manager create partitions first."""

    def __init__(self, before_insert: Callable[[Sequence[int], Sequence[int]], None] | None = None) -> None:
        self.before_insert = before_insert

    @staticmethod
    def prepare(conn: Connection, batches: Iterable[DeviceBatch]) -> PreparedWrite:
        """A :class:`PreparedWrite` for the connection's database, with ``batches`` added."""
        prepared = PreparedWrite(conn.dialect.name == "postgresql")
        for batch in batches:
            prepared.add(batch)
        return prepared

    def write(self, conn: Connection, batches: Iterable[DeviceBatch], prepared: PreparedWrite | None = None) -> int:
        """Store the readings; returns how many raw rows were new (duplicates are skipped silently).

        ``prepared``: the same batches already made ready by :meth:`prepare` (then ``batches`` is not read again).
        """
        if prepared is None:
            prepared = self.prepare(conn, batches)
        if (prepared.columns is not None) != (conn.dialect.name == "postgresql"):
            raise ValueError("the write was prepared for another database")
        if not len(prepared):
            return 0
        if self.before_insert is not None:
            self.before_insert(*prepared.spans())
        with raw_cursor(conn, "telemetry bulk write") as cursor:
            if prepared.columns is not None:
                return PostgresBulk().write(cursor, prepared.columns)
            info = conn.connection.info
            if not info.get(_SQLITE_STAGE_READY):
                info[_SQLITE_STAGE_READY] = SqliteBulk.prepare(cursor)
            return SqliteBulk().write(cursor, prepared.rows)

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

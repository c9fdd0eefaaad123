"""Write telemetry: raw rows (duplicates ignored), latest values and minute/hour/day rollups, in one go.

Rollups are computed from the rows the database actually inserted (``RETURNING``), so a redelivered message
never counts twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert
from sqlalchemy.exc import DBAPIError

from maeul.adapters.sql.tables import ROLLUP_TABLES, dead_letters
from maeul.adapters.sql.telemetry_sql import PostgresBulk, RollupRow, Row, SqliteBulk
from maeul.core.readings import Reading
from maeul.core.rollups import PERIODS

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


def _newest_per_key(rows: list[Row]) -> list[Row]:
    newest: dict[tuple[int, str], Row] = {}
    for row in rows:
        k = (row[0], row[1])
        current = newest.get(k)
        if current is None or row[2] >= current[2]:
            newest[k] = row
    return list(newest.values())


def _rollup_rows(rows: list[Row], tz_of_device: dict[int, str]) -> dict[str, list[RollupRow]]:
    """Per-period rollup deltas of the new numeric rows (day and hour buckets at local boundaries)."""
    numeric = [(d, k, ts, vn) for d, k, ts, vn, _ in rows if vn is not None]
    out: dict[str, list[RollupRow]] = {period: [] for period in PERIODS}
    if not numeric:
        return out
    reference_ts = numeric[0][2]
    offset_of_tz = {tz: utc_offset_ms(tz, reference_ts) for tz in set(tz_of_device.values())}
    by_offset: dict[int, list[tuple[int, str, int, float]]]
    if len(set(offset_of_tz.values())) == 1:  # the usual case: one tenant's zone, or zones at the same offset
        by_offset = {next(iter(offset_of_tz.values())): numeric}
    else:
        by_offset = {}
        for row in numeric:
            by_offset.setdefault(offset_of_tz[tz_of_device[row[0]]], []).append(row)
    for period, period_ms in PERIODS.items():
        for offset, group in by_offset.items():
            out[period].extend(_aggregate(group, period_ms, offset if period != "minute" else 0))
    return out


def _aggregate(rows: list[tuple[int, str, int, float]], period_ms: int, offset_ms: int) -> list[RollupRow]:
    """:func:`maeul.core.rollups.aggregate` as rollup rows, with the same arithmetic in the same order.

    Written out here because it runs for every stored reading three times: it keeps parallel lists instead
    of an object per bucket, so that a batch leaves far fewer objects for the cyclic garbage collector.
    """
    slot: dict[tuple[int, str, int], int] = {}
    counts: list[int] = []
    mins: list[float] = []
    maxs: list[float] = []
    sums: list[float] = []
    for device_id, key, ts, value in rows:
        bucket = ((ts + offset_ms) // period_ms) * period_ms - offset_ms  # core.rollups.bucket_start
        k = (device_id, key, bucket)
        i = slot.get(k)
        if i is None:
            slot[k] = len(counts)
            counts.append(1)
            mins.append(value)
            maxs.append(value)
            sums.append(value)
        else:
            counts[i] += 1
            sums[i] += value
            if value < mins[i]:
                mins[i] = value
            if value > maxs[i]:
                maxs[i] = value
    return [
        (k[0], k[1], k[2], count, low, high, total)
        for k, count, low, high, total in zip(slot, counts, mins, maxs, sums, strict=True)
    ]


class TelemetryStore:
    """Stateless writer; ``before_insert`` lets the PostgreSQL partition manager create partitions first."""

    def __init__(self, before_insert: Callable[[Sequence[int], Sequence[int]], None] | None = None) -> None:
        self.before_insert = before_insert

    def write(self, conn: Connection, batches: Iterable[DeviceBatch]) -> int:
        """Store the readings; returns how many raw rows were new (duplicates are skipped silently)."""
        dbapi_error = conn.dialect.loaded_dbapi.Error
        postgres = conn.dialect.name == "postgresql"
        try:
            cursor = conn.connection.cursor()
            try:
                return self._write_postgres(cursor, batches) if postgres else self._write_sqlite(cursor, batches)
            finally:
                cursor.close()
        except dbapi_error as exc:
            # The raw cursor bypasses SQLAlchemy: wrap its errors as SQLAlchemy does, so that callers
            # (the ingest writer) can tell transient from permanent failures instead of dying on them.
            raise DBAPIError.instance("telemetry bulk write", None, exc, dbapi_error) from exc

    def _write_sqlite(self, cursor: Any, batches: Iterable[DeviceBatch]) -> int:
        rows: list[Row] = []
        retention: list[int] = []
        tz_of_device: dict[int, str] = {}
        for batch in batches:
            device_id, days = batch.device_id, batch.retention_days
            for r in batch.readings:
                value = r.value
                if isinstance(value, float):
                    rows.append((device_id, r.key, r.ts, value, None))
                else:
                    rows.append((device_id, r.key, r.ts, None, value))
            retention.extend([days] * len(batch.readings))
            tz_of_device[device_id] = batch.timezone
        if not rows:
            return 0
        if self.before_insert is not None:
            self.before_insert(retention, [r[2] for r in rows])
        bulk = SqliteBulk()
        inserted = bulk.insert_raw(cursor, rows, retention)
        if inserted:
            bulk.upsert_latest(cursor, _newest_per_key(inserted))
            for period, rollup_rows in _rollup_rows(inserted, tz_of_device).items():
                if rollup_rows:
                    bulk.upsert_rollups(cursor, ROLLUP_TABLES[period].name, rollup_rows)
        return len(inserted)

    def _write_postgres(self, cursor: Any, batches: Iterable[DeviceBatch]) -> int:
        device_ids: list[int] = []
        keys: list[str] = []
        stamps: list[int] = []
        numbers: list[float | None] = []
        texts: list[str | None] = []
        retention: list[int] = []
        tz_of_device: dict[int, str] = {}
        for batch in batches:
            readings = batch.readings
            n = len(readings)
            if not n:
                continue
            device_ids.extend([batch.device_id] * n)
            retention.extend([batch.retention_days] * n)
            tz_of_device[batch.device_id] = batch.timezone
            for r in readings:
                keys.append(r.key)
                stamps.append(r.ts)
                value = r.value
                if isinstance(value, float):
                    numbers.append(value)
                    texts.append(None)
                else:
                    numbers.append(None)
                    texts.append(value)
        if not keys:
            return 0
        if self.before_insert is not None:
            self.before_insert(retention, stamps)
        reference_ts = stamps[0]
        offset_of_tz = {tz: utc_offset_ms(tz, reference_ts) for tz in set(tz_of_device.values())}
        offsets = {device_id: offset_of_tz[tz] for device_id, tz in tz_of_device.items()}
        return PostgresBulk().write(cursor, (device_ids, keys, stamps, numbers, texts, retention), offsets)

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

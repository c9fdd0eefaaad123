"""Retention: drop whole partitions on PostgreSQL; delete expired rows in chunks on SQLite."""

from __future__ import annotations

from sqlalchemy import Engine, text

from maeul.adapters.sql.partitions import PartitionManager
from maeul.core.rollups import DAY_MS

SQLITE_CHUNK = 50_000


def apply_retention(engine: Engine, partitions: PartitionManager | None, now_ms: int) -> int:
    """Remove telemetry older than each row's retention; returns partitions dropped or rows deleted.

    On SQLite (``WITHOUT ROWID`` table) rows are deleted by primary key in chunks, so that ingestion is never
    blocked for long.
    """
    if partitions is not None:
        return len(partitions.drop_expired(now_ms))
    deleted = 0
    while True:
        with engine.begin() as conn:
            result = conn.execute(
                text(
                    "DELETE FROM telemetry WHERE (device_id, key, ts) IN (SELECT device_id, key, ts FROM telemetry "
                    "WHERE ts < :now - retention_days * :day LIMIT :chunk)"
                ),
                {"now": now_ms, "day": DAY_MS, "chunk": SQLITE_CHUNK},
            )
        deleted += result.rowcount
        if result.rowcount < SQLITE_CHUNK:
            return deleted

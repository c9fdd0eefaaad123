"""Read telemetry: latest values, raw series (paginated) and aggregated series (from the rollups)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, Float, and_, cast, func, or_, select

from maeul.adapters.sql.tables import ROLLUP_TABLES, latest_values, telemetry
from maeul.core.rollups import best_rollup

Aggregation = Literal["avg", "min", "max", "sum", "count"]


def latest(conn: Connection, device_id: int, keys: list[str] | None = None) -> dict[str, dict[str, Any]]:
    query = select(latest_values).where(latest_values.c.device_id == device_id)
    if keys:
        query = query.where(latest_values.c.key.in_(keys))
    out = {}
    for row in conn.execute(query.order_by(latest_values.c.key)):
        out[row.key] = {"ts": row.ts, "value": row.value_num if row.value_str is None else row.value_str}
    return out


def device_keys(conn: Connection, device_id: int) -> list[str]:
    rows = conn.execute(select(latest_values.c.key).where(latest_values.c.device_id == device_id))
    return sorted(r.key for r in rows)


def raw_series(
    conn: Connection,
    device_id: int,
    keys: list[str],
    start: int,
    end: int,
    limit: int,
    after: tuple[str, int] | None = None,
) -> tuple[list[tuple[str, int, Any]], tuple[str, int] | None]:
    """Rows ordered by (key, ts) within [start, end); returns them and the cursor for the next page."""
    query = select(telemetry.c.key, telemetry.c.ts, telemetry.c.value_num, telemetry.c.value_str).where(
        telemetry.c.device_id == device_id,
        telemetry.c.key.in_(keys),
        telemetry.c.ts >= start,
        telemetry.c.ts < end,
    )
    if after is not None:
        key, ts = after
        query = query.where(or_(telemetry.c.key > key, and_(telemetry.c.key == key, telemetry.c.ts > ts)))
    rows = conn.execute(query.order_by(telemetry.c.key, telemetry.c.ts).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [(r.key, r.ts, r.value_num if r.value_str is None else r.value_str) for r in rows]
    cursor = (rows[-1].key, rows[-1].ts) if more and rows else None
    return out, cursor


def aggregated_series(
    conn: Connection,
    device_id: int,
    keys: list[str],
    start: int,
    end: int,
    interval_ms: int,
    offset_ms: int,
    agg: Aggregation,
    limit: int,
    after: tuple[str, int] | None = None,
) -> tuple[list[tuple[str, int, float | None, int]], tuple[str, int] | None]:
    """(key, bucket start, value, count) per interval, re-aggregated from the coarsest fitting rollup.

    Buckets start at ``offset_ms``-shifted multiples of the interval (local midnight for days).
    """
    period = best_rollup(interval_ms)
    if period is None:
        raise ValueError("the interval must be a whole number of minutes")
    table = ROLLUP_TABLES[period]
    bucket_start = (((table.c.bucket + offset_ms) // interval_ms) * interval_ms - offset_ms).label("bucket_start")
    total = func.sum(table.c["count"])
    value = {
        "avg": func.sum(table.c.sum) / func.nullif(total, 0),
        "min": func.min(table.c.min),
        "max": func.max(table.c.max),
        "sum": func.sum(table.c.sum),
        "count": total,
    }[agg]
    query = (
        select(table.c.key, bucket_start, cast(value, Float).label("value"), total.label("n"))
        .where(table.c.device_id == device_id, table.c.key.in_(keys), table.c.bucket >= start, table.c.bucket < end)
        .group_by(table.c.key, bucket_start)
    )
    if after is not None:
        key, ts = after
        query = query.having(or_(table.c.key > key, and_(table.c.key == key, bucket_start > ts)))
    rows = conn.execute(query.order_by(table.c.key, bucket_start).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [(r.key, int(r.bucket_start), r.value, int(r.n)) for r in rows]
    cursor = (rows[-1].key, int(rows[-1].bucket_start)) if more and rows else None
    return out, cursor

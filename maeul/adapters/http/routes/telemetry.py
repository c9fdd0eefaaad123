"""Query telemetry: latest values, raw or aggregated series (paginated), and CSV export of the same."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from maeul.adapters.http.deps import IdPath, PlatformDep, ReadConn, Reader
from maeul.adapters.http.errors import ApiError
from maeul.adapters.http.timeparams import iso, parse_time
from maeul.adapters.sql import accounts
from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import telemetry_query as tq
from maeul.adapters.sql.telemetry_store import utc_offset_ms
from maeul.core.rollups import DAY_MS, parse_interval
from maeul.platform.clock import now_ms

router = APIRouter(prefix="/api/v1/devices", tags=["telemetry"])
MAX_KEYS = 50
MAX_INTERVAL_MS = 3660 * DAY_MS
CURSOR_TS = re.compile(r"-?[0-9]{1,18}")


class Point(BaseModel):
    ts: int = Field(description="Epoch milliseconds (bucket start when aggregated)")
    value: float | str | None
    count: int | None = Field(default=None, description="Readings in the bucket (aggregated only)")


class Series(BaseModel):
    device_id: int
    start: int
    end: int
    interval: str
    agg: str | None
    data: dict[str, list[Point]]
    next_cursor: str | None = Field(description="Pass as cursor= to read the next page; null on the last page")


class LatestValue(BaseModel):
    ts: int
    value: float | str | None


class Latest(BaseModel):
    device_id: int
    values: dict[str, LatestValue]


@dataclass
class SeriesQuery:
    device_id: int
    keys: list[str]
    start: int
    end: int
    interval_ms: int | None
    interval: str
    agg: tq.Aggregation
    limit: int
    cursor: tuple[str, int] | None
    timezone: str


def _decode_cursor(cursor: str | None) -> tuple[str, int] | None:
    if not cursor:
        return None
    key, _, ts = cursor.rpartition("|")
    if not key or not CURSOR_TS.fullmatch(ts):
        raise ApiError(422, "invalid", "cursor is not one this API returned")
    return key, int(ts)


def _build_query(
    conn: Any,
    tenant_id: str,
    device_id: int,
    keys: str | None,
    start: str | None,
    end: str | None,
    interval: str,
    agg: str,
    limit: int,
    cursor: str | None,
) -> SeriesQuery:
    device_repo.get_device(conn, tenant_id, device_id)
    timezone = accounts.get_tenant(conn, tenant_id)["timezone"]
    end_ms = parse_time(end, "end", now_ms() + 1, timezone)
    start_ms = parse_time(start, "start", end_ms - DAY_MS, timezone)
    if start_ms >= end_ms:
        raise ApiError(422, "invalid", "start must be before end")
    key_list = [k.strip() for k in keys.split(",") if k.strip()] if keys else tq.device_keys(conn, device_id)
    if len(key_list) > MAX_KEYS:
        raise ApiError(422, "invalid", f"at most {MAX_KEYS} keys per request")
    interval_ms: int | None = None
    if interval != "raw":
        try:
            interval_ms = parse_interval(interval)
        except ValueError as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        if interval_ms > MAX_INTERVAL_MS:
            raise ApiError(422, "invalid", f"interval {interval!r} is longer than {MAX_INTERVAL_MS // DAY_MS}d")
        if interval_ms % 60_000:
            raise ApiError(422, "invalid", "aggregated intervals are whole minutes (1m, 15m, 1h, 1d, ...)")
        if (end_ms - start_ms) // interval_ms > 1_000_000:
            raise ApiError(422, "invalid", "too many buckets; choose a longer interval or a shorter range")
    return SeriesQuery(
        device_id,
        key_list,
        start_ms,
        end_ms,
        interval_ms,
        interval,
        agg,  # type: ignore[arg-type]
        limit,
        _decode_cursor(cursor),
        timezone,
    )


def _page(conn: Any, q: SeriesQuery) -> tuple[list[tuple[str, int, Any, int | None]], tuple[str, int] | None]:
    if not q.keys:
        return [], None
    if q.interval_ms is None:
        rows, nxt = tq.raw_series(conn, q.device_id, q.keys, q.start, q.end, q.limit, q.cursor)
        return [(k, ts, v, None) for k, ts, v in rows], nxt
    offset = utc_offset_ms(q.timezone, q.start) if q.interval_ms % 3_600_000 == 0 else 0
    agg_rows, nxt = tq.aggregated_series(
        conn, q.device_id, q.keys, q.start, q.end, q.interval_ms, offset, q.agg, q.limit, q.cursor
    )
    return [(k, ts, v, n) for k, ts, v, n in agg_rows], nxt


KeysParam = Query(default=None, description="Comma-separated keys; default: every key the device has sent")
StartParam = Query(default=None, description="ISO 8601 or epoch ms; default: 24 h before end")
EndParam = Query(default=None, description="ISO 8601 or epoch ms (exclusive); default: now")
IntervalParam = Query(default="raw", description="raw, or a bucket size such as 1m, 15m, 1h, 1d")
AggParam = Query(default="avg", description="Aggregation for bucketed series")


@router.get("/{device_id}/latest", response_model=Latest)
def latest(device_id: IdPath, actor: Reader, conn: ReadConn, keys: str | None = KeysParam) -> Latest:
    device_repo.get_device(conn, actor.tenant_id, device_id)
    key_list = [k for k in keys.split(",") if k] if keys else None
    values = tq.latest(conn, device_id, key_list)
    return Latest(device_id=device_id, values={k: LatestValue(**v) for k, v in values.items()})


@router.get("/{device_id}/telemetry", response_model=Series)
def series(
    device_id: IdPath,
    actor: Reader,
    conn: ReadConn,
    keys: str | None = KeysParam,
    start: str | None = StartParam,
    end: str | None = EndParam,
    interval: str = IntervalParam,
    agg: Literal["avg", "min", "max", "sum", "count"] = AggParam,
    limit: int = Query(default=1000, ge=1, le=10_000),
    cursor: str | None = None,
) -> Series:
    """Raw readings, or aggregates per interval read from the minute/hour/day rollups. Ordered by key, then time."""
    q = _build_query(conn, actor.tenant_id, device_id, keys, start, end, interval, agg, limit, cursor)
    rows, nxt = _page(conn, q)
    data: dict[str, list[Point]] = {k: [] for k in q.keys}
    for key, ts, value, count in rows:
        data[key].append(Point(ts=ts, value=value, count=count))
    return Series(
        device_id=device_id,
        start=q.start,
        end=q.end,
        interval=interval,
        agg=None if q.interval_ms is None else agg,
        data=data,
        next_cursor=f"{nxt[0]}|{nxt[1]}" if nxt else None,
    )


@router.get(
    "/{device_id}/telemetry.csv", response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}}
)
def series_csv(
    device_id: IdPath,
    actor: Reader,
    platform: PlatformDep,
    keys: str | None = KeysParam,
    start: str | None = StartParam,
    end: str | None = EndParam,
    interval: str = IntervalParam,
    agg: Literal["avg", "min", "max", "sum", "count"] = AggParam,
) -> StreamingResponse:
    """The same series as CSV (every page), with ISO 8601 local times."""
    with platform.engine.connect() as conn:
        q = _build_query(conn, actor.tenant_id, device_id, keys, start, end, interval, agg, 10_000, None)

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        header = ["key", "ts", "time", "value"] if q.interval_ms is None else ["key", "ts", "time", agg, "count"]
        writer.writerow(header)
        while True:
            with platform.engine.connect() as conn:
                rows, nxt = _page(conn, q)
            for key, ts, value, count in rows:
                row = [key, ts, iso(ts, q.timezone), value]
                writer.writerow(row if q.interval_ms is None else [*row, count])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if nxt is None:
                return
            q.cursor = nxt

    filename = f"device-{device_id}-telemetry.csv"
    return StreamingResponse(
        generate(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

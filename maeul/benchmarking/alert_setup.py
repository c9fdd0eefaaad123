"""Set-up shared by the alert benchmarks: many devices and their latest values, inserted in bulk.

The devices are real rows of Maeul's ``devices`` table (a profile, a tenant, unique token digests) but get no
usable credentials: benchmark load is published with the bench publisher account, and the no-data benchmark
never publishes at all. SQLite takes ``executemany`` in one transaction; PostgreSQL takes ``COPY``, then
``ANALYZE`` so the planner knows the tables' sizes (as autovacuum would soon).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text

from maeul.adapters.sql.tables import devices, latest_values
from maeul.benchmarking.progress import Progress
from maeul.platform.clock import now_ms

CHUNK = 10_000
UNUSABLE_PASSWORD = "!"  # matches no password: these devices cannot log in to the broker


def _copy(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` on the connection's own transaction."""
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def bulk_devices(
    engine: Engine, tenant_id: str, profile_id: int, count: int, prefix: str, progress: Progress
) -> list[int]:
    """Insert ``count`` devices named ``<prefix>-000001``...; returns their ids in name order."""
    now = now_ms()
    columns = (
        "tenant_id",
        "name",
        "profile_id",
        "attributes",
        "token_hash",
        "token_prefix",
        "mqtt_password_hash",
        "created_at",
        "updated_at",
    )

    def row(n: int) -> tuple[Any, ...]:
        digest = hashlib.sha256(f"{tenant_id}/{prefix}/{n}".encode()).hexdigest()
        return (tenant_id, f"{prefix}-{n:06d}", profile_id, {}, digest, "bench", UNUSABLE_PASSWORD, now, now)

    progress.phase(f"inserting {count:,} devices", count)
    try:
        with engine.begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            for start in range(0, count, CHUNK):
                rows = [row(n) for n in range(start + 1, min(count, start + CHUNK) + 1)]
                if postgres:
                    _copy(conn, "devices", columns, [(*r[:3], "{}", *r[4:]) for r in rows])
                else:
                    conn.execute(insert(devices), [dict(zip(columns, r, strict=True)) for r in rows])
                progress.update(start + len(rows), f"{start + len(rows):,} devices")
            if postgres:
                conn.execute(text("ANALYZE devices"))
            names = select(devices.c.id).where(devices.c.tenant_id == tenant_id, devices.c.name.like(f"{prefix}-%"))
            return [int(i) for i in conn.execute(names.order_by(devices.c.name)).scalars()]
    finally:
        progress.done()


def bulk_latest(
    engine: Engine,
    device_ids: Sequence[int],
    keys: Sequence[str],
    newest_ms: int,
    spread_ms: int,
    progress: Progress,
    seed: int = 7,
) -> int:
    """Give every device a latest value of each key, last seen between ``newest_ms - spread_ms`` and
    ``newest_ms`` (the same moment for all keys of a device); returns the number of rows."""
    rng = random.Random(seed)
    total = len(device_ids) * len(keys)
    progress.phase(f"inserting {total:,} latest values", total)
    written = 0
    try:
        with engine.begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            for start in range(0, len(device_ids), CHUNK):
                rows: list[tuple[int, str, int, float]] = []
                for device_id in device_ids[start : start + CHUNK]:
                    ts = newest_ms - rng.randrange(0, max(1, spread_ms))
                    rows.extend((device_id, key, ts, round(rng.uniform(15.0, 30.0), 1)) for key in keys)
                if postgres:
                    _copy(conn, "latest_values", ("device_id", "key", "ts", "value_num"), rows)
                else:
                    conn.execute(
                        insert(latest_values),
                        [{"device_id": d, "key": k, "ts": t, "value_num": v} for d, k, t, v in rows],
                    )
                written += len(rows)
                progress.update(written, f"{written:,} rows")
            if postgres:
                conn.execute(text("ANALYZE latest_values"))
    finally:
        progress.done()
    return written


def set_last_seen(engine: Engine, device_ids: Sequence[int], ts: int) -> None:
    """Move the latest values of these devices to ``ts`` (as if they had last reported then)."""
    with engine.begin() as conn:
        for start in range(0, len(device_ids), 500):
            conn.execute(
                latest_values.update()
                .where(latest_values.c.device_id.in_(list(device_ids[start : start + 500])))
                .values(ts=ts)
            )

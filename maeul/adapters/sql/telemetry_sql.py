"""Dialect-specific bulk SQL for the telemetry hot path, run on the DBAPI cursor of the open transaction.

SQLite: one cached prepared statement per row (``rowcount`` says whether the row was new).
PostgreSQL: one statement per batch over ``unnest``-ed arrays, ``RETURNING`` the new rows.
"""

from __future__ import annotations

from typing import Any, Protocol

Row = tuple[int, str, int, float | None, str | None]  # device_id, key, ts, value_num, value_str
RollupRow = tuple[int, str, int, int, float, float, float]  # device_id, key, bucket, count, min, max, sum


class BulkSql(Protocol):
    def insert_raw(self, cursor: Any, rows: list[Row], retention: list[int]) -> list[Row]: ...
    def upsert_latest(self, cursor: Any, rows: list[Row]) -> None: ...
    def upsert_rollups(self, cursor: Any, table: str, rows: list[RollupRow]) -> None: ...


class SqliteBulk:
    INSERT = (
        "INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
    )
    LATEST = (
        "INSERT INTO latest_values (device_id, key, ts, value_num, value_str) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (device_id, key) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num, "
        "value_str = excluded.value_str WHERE excluded.ts >= latest_values.ts"
    )
    ROLLUP = (
        "INSERT INTO {table} (device_id, key, bucket, count, min, max, sum) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (device_id, key, bucket) DO UPDATE SET count = {table}.count + excluded.count, "
        "min = min({table}.min, excluded.min), max = max({table}.max, excluded.max), "
        "sum = {table}.sum + excluded.sum"
    )

    def insert_raw(self, cursor: Any, rows: list[Row], retention: list[int]) -> list[Row]:
        new: list[Row] = []
        sql = self.INSERT
        execute = cursor.execute
        for row, days in zip(rows, retention, strict=True):
            execute(sql, (*row, days))
            if cursor.rowcount == 1:
                new.append(row)
        return new

    def upsert_latest(self, cursor: Any, rows: list[Row]) -> None:
        cursor.executemany(self.LATEST, rows)

    def upsert_rollups(self, cursor: Any, table: str, rows: list[RollupRow]) -> None:
        cursor.executemany(self.ROLLUP.format(table=table), rows)


class PostgresBulk:
    INSERT = (
        "INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) "
        "SELECT * FROM unnest(%s::int[], %s::varchar[], %s::bigint[], %s::float8[], %s::text[], %s::int[]) "
        "ON CONFLICT DO NOTHING RETURNING device_id, key, ts, value_num, value_str"
    )
    LATEST = (
        "INSERT INTO latest_values (device_id, key, ts, value_num, value_str) "
        "SELECT * FROM unnest(%s::int[], %s::varchar[], %s::bigint[], %s::float8[], %s::text[]) "
        "ON CONFLICT (device_id, key) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num, "
        "value_str = excluded.value_str WHERE excluded.ts >= latest_values.ts"
    )
    ROLLUP = (
        "INSERT INTO {table} (device_id, key, bucket, count, min, max, sum) "
        "SELECT * FROM unnest(%s::int[], %s::varchar[], %s::bigint[], %s::bigint[], %s::float8[], "
        "%s::float8[], %s::float8[]) "
        "ON CONFLICT (device_id, key, bucket) DO UPDATE SET count = {table}.count + excluded.count, "
        "min = least({table}.min, excluded.min), max = greatest({table}.max, excluded.max), "
        "sum = {table}.sum + excluded.sum"
    )

    def insert_raw(self, cursor: Any, rows: list[Row], retention: list[int]) -> list[Row]:
        columns = [list(c) for c in zip(*rows, strict=True)]
        cursor.execute(self.INSERT, (*columns, retention))
        return [tuple(r) for r in cursor.fetchall()]  # type: ignore[misc]

    def upsert_latest(self, cursor: Any, rows: list[Row]) -> None:
        cursor.execute(self.LATEST, [list(c) for c in zip(*rows, strict=True)])

    def upsert_rollups(self, cursor: Any, table: str, rows: list[RollupRow]) -> None:
        # Sorted so that concurrent writers lock rows in the same order (no deadlocks).
        rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
        cursor.execute(self.ROLLUP.format(table=table), [list(c) for c in zip(*rows, strict=True)])

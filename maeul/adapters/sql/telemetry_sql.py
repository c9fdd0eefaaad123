"""Dialect-specific bulk SQL for the telemetry hot path, run on the DBAPI cursor of the open transaction.

SQLite: multi-row statements of up to 256 rows (all rows of a batch are new unless a redelivery brought
some back; then they are inserted one by one, ``rowcount`` saying which row was new).
PostgreSQL: the whole batch in one statement over ``unnest``-ed arrays (passed as array literals); the
server derives latest values and rollups from the rows it inserted (see :class:`PostgresBulk`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

Row = tuple[int, str, int, float | None, str | None]  # device_id, key, ts, value_num, value_str
RollupRow = tuple[int, str, int, int, float, float, float]  # device_id, key, bucket, count, min, max, sum
# Column-wise rows: device_ids, keys, timestamps, numbers, texts, retention days.
RawColumns = tuple[list[int], list[str], list[int], list[float | None], list[str | None], list[int]]


class SqliteBulk:
    """Multi-row statements: a few hundred rows per ``sqlite3_step``, instead of one step per row.

    Each step releases the interpreter lock and must take it back; with one step per row, the writer waits
    for the lock after every row while the MQTT thread parses messages (a lock convoy). With multi-row
    statements the writer takes the lock back a few dozen times per batch instead of thousands.

    New rows: the batch is inserted inside a savepoint; if the database inserted every row (the normal case,
    no redelivery) they are all new; otherwise the savepoint is rolled back and the rows are inserted one by
    one, ``rowcount`` telling which were new, as before.
    """

    INSERT = (
        "INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
    )
    INSERT_MANY = (
        "INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) VALUES {values} "
        "ON CONFLICT DO NOTHING"
    )
    LATEST = (
        "INSERT INTO latest_values (device_id, key, ts, value_num, value_str) VALUES {values} "
        "ON CONFLICT (device_id, key) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num, "
        "value_str = excluded.value_str WHERE excluded.ts >= latest_values.ts"
    )
    ROLLUP = (
        "INSERT INTO {table} (device_id, key, bucket, count, min, max, sum) VALUES {values} "
        "ON CONFLICT (device_id, key, bucket) DO UPDATE SET count = {table}.count + excluded.count, "
        "min = min({table}.min, excluded.min), max = max({table}.max, excluded.max), "
        "sum = {table}.sum + excluded.sum"
    )
    SAVEPOINT = "maeul_telemetry_bulk"

    def insert_raw(self, cursor: Any, rows: list[Row], retention: list[int]) -> list[Row]:
        if len(rows) > 1 and _open_transaction(cursor):
            cursor.execute(f"SAVEPOINT {self.SAVEPOINT}")
            params = [(*row, days) for row, days in zip(rows, retention, strict=True)]
            inserted = _execute_chunked(cursor, self.INSERT_MANY, params, 6)
            if inserted == len(rows):
                cursor.execute(f"RELEASE {self.SAVEPOINT}")
                return list(rows)
            # Some rows were already stored (a redelivery): find out which, row by row.
            cursor.execute(f"ROLLBACK TO {self.SAVEPOINT}")
            cursor.execute(f"RELEASE {self.SAVEPOINT}")
        return self._insert_one_by_one(cursor, rows, retention)

    def _insert_one_by_one(self, cursor: Any, rows: list[Row], retention: list[int]) -> list[Row]:
        new: list[Row] = []
        sql = self.INSERT
        execute = cursor.execute
        for row, days in zip(rows, retention, strict=True):
            execute(sql, (*row, days))
            if cursor.rowcount == 1:
                new.append(row)
        return new

    def upsert_latest(self, cursor: Any, rows: list[Row]) -> None:
        _execute_chunked(cursor, self.LATEST, rows, 5)

    def upsert_rollups(self, cursor: Any, table: str, rows: list[RollupRow]) -> None:
        _execute_chunked(cursor, self.ROLLUP.replace("{table}", table), rows, 7)


_LEGACY = getattr(sqlite3, "LEGACY_TRANSACTION_CONTROL", -1)
MAX_CHUNK_ROWS = 256  # rows per multi-row statement (a power of two; see _chunk_sizes)


def _open_transaction(cursor: Any) -> bool:
    """Make sure a transaction is open (what the sqlite3 module would do before the first INSERT).

    False if the connection is in autocommit mode: then no savepoint can span the batch.
    """
    conn = cursor.connection
    if conn.in_transaction:
        return True
    if getattr(conn, "autocommit", _LEGACY) != _LEGACY or conn.isolation_level is None:
        return False
    cursor.execute(f"BEGIN {conn.isolation_level}")
    return True


def _chunk_sizes(total: int, largest: int) -> list[int]:
    """``total`` as chunks of ``largest`` rows, the rest in powers of two: few statement shapes, all cached."""
    sizes = [largest] * (total // largest)
    rest = total % largest
    size = largest
    while rest:
        size //= 2
        if rest >= size:
            sizes.append(size)
            rest -= size
    return sizes


@lru_cache(maxsize=256)
def _multi_row_sql(template: str, width: int, rows: int) -> str:
    one = "(" + ", ".join("?" * width) + ")"
    return template.replace("{values}", ", ".join([one] * rows))


def _execute_chunked(cursor: Any, template: str, rows: Sequence[Sequence[Any]], width: int) -> int:
    """Run ``template`` over ``rows`` in multi-row statements; returns the rows changed (``rowcount``)."""
    if not rows:
        return 0
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
    largest = MAX_CHUNK_ROWS
    while largest > limit:
        largest //= 2
    changed = 0
    start = 0
    execute = cursor.execute
    for size in _chunk_sizes(len(rows), largest):
        end = start + size
        params = list(chain.from_iterable(rows[start:end]))
        execute(_multi_row_sql(template, width, size), params)
        changed += cursor.rowcount
        start = end
    return changed


_POSTGRES_ROLLUP = (
    "{name} AS (INSERT INTO {table} (device_id, key, bucket, count, min, max, sum) "
    "SELECT device_id, key, {bucket} AS b, count(*), min(value_num), max(value_num), sum(value_num) "
    "FROM num GROUP BY device_id, key, b ORDER BY device_id, key, b "
    "ON CONFLICT (device_id, key, bucket) DO UPDATE SET count = {table}.count + excluded.count, "
    "min = least({table}.min, excluded.min), max = greatest({table}.max, excluded.max), "
    "sum = {table}.sum + excluded.sum)"
)
_POSTGRES_BUCKETS = (
    ("minute", "ts / 60000 * 60000"),
    ("hour", "(ts + offset_ms) / 3600000 * 3600000 - offset_ms"),
    ("day", "(ts + offset_ms) / 86400000 * 86400000 - offset_ms"),
)
_POSTGRES_WRITE = (
    "WITH new AS (INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) "
    "SELECT * FROM unnest(%s::int[], %s::varchar[], %s::bigint[], %s::float8[], %s::text[], %s::int[]) "
    "ON CONFLICT DO NOTHING RETURNING device_id, key, ts, value_num, value_str), "
    "latest AS (INSERT INTO latest_values (device_id, key, ts, value_num, value_str) "
    "SELECT DISTINCT ON (device_id, key) device_id, key, ts, value_num, value_str FROM new "
    "ORDER BY device_id, key, ts DESC "
    "ON CONFLICT (device_id, key) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num, "
    "value_str = excluded.value_str WHERE excluded.ts >= latest_values.ts), "
    "num AS MATERIALIZED (SELECT new.device_id, new.key, new.ts, new.value_num, z.offset_ms FROM new "
    "JOIN unnest(%s::int[], %s::bigint[]) AS z (device_id, offset_ms) ON z.device_id = new.device_id "
    "WHERE new.value_num IS NOT NULL), "
    + ", ".join(
        _POSTGRES_ROLLUP.format(name=f"r_{period}", table=f"rollup_{period}", bucket=bucket)
        for period, bucket in _POSTGRES_BUCKETS
    )
    + " SELECT count(*) FROM new"
)


class PostgresBulk:
    """The whole write in one statement (one round trip): data-modifying CTEs insert the raw rows, and from
    the rows actually inserted (``RETURNING``) upsert the latest values and fold the minute/hour/day rollups,
    aggregated per (device, key, bucket) by the server. Nothing comes back but the count of new rows.

    Buckets: ``(ts + offset) / period * period - offset`` with bigint division, which truncates; readings are
    never before 2000 (``maeul.core.readings.MIN_TS_MS``), so ``ts + offset`` is positive and that is the floor
    of :func:`maeul.core.rollups.bucket_start`. The offset is the device's zone's UTC offset (day and hour
    buckets at local boundaries; minute buckets use none). Upserts insert in key order, so that concurrent
    writers lock rollup rows in the same order (no deadlocks).
    """

    WRITE = _POSTGRES_WRITE

    def write(self, cursor: Any, columns: RawColumns, device_offsets: dict[int, int]) -> int:
        """Insert the rows and maintain latest values and rollups; returns how many rows were new."""
        device_ids, keys, stamps, numbers, texts, retention = columns
        params = (
            _ints(device_ids),
            _texts(keys),
            _ints(stamps),
            _floats(numbers),
            _texts(texts),
            _ints(retention),
            _ints(list(device_offsets)),
            _ints(list(device_offsets.values())),
        )
        cursor.execute(self.WRITE, params)
        row = cursor.fetchone()
        return int(row[0]) if row else 0


# Array literals built here rather than by psycopg's list dumper, which handles every element in Python
# (a regular expression per element: most of the writer's CPU time on PostgreSQL). Numbers are written
# with repr(), which PostgreSQL reads back as the very same double; text is always quoted and escaped.


def _ints(values: Sequence[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _floats(values: Sequence[float | None]) -> str:
    if None in values:
        return "{" + ",".join("NULL" if v is None else repr(float(v)) for v in values) + "}"
    return "{" + ",".join(map(repr, map(float, values))) + "}"  # type: ignore[arg-type]


def _texts(values: Sequence[str | None]) -> str:
    literal: dict[str | None, str] = {None: "NULL"}
    for value in set(values):
        if value is not None:
            literal[value] = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "{" + ",".join(map(literal.__getitem__, values)) + "}"

"""Dialect-specific bulk SQL for the telemetry hot path, run on the DBAPI cursor of the open transaction.

SQLite: multi-row statements of up to 256 rows (all rows of a batch are new unless a redelivery brought
some back; then they are inserted one by one, ``rowcount`` saying which row was new).
PostgreSQL: one statement per batch over ``unnest``-ed arrays (passed as array literals), ``RETURNING`` the
new rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, Protocol

Row = tuple[int, str, int, float | None, str | None]  # device_id, key, ts, value_num, value_str
RollupRow = tuple[int, str, int, int, float, float, float]  # device_id, key, bucket, count, min, max, sum


class BulkSql(Protocol):
    def insert_raw(self, cursor: Any, rows: list[Row], retention: list[int]) -> list[Row]: ...
    def upsert_latest(self, cursor: Any, rows: list[Row]) -> None: ...
    def upsert_rollups(self, cursor: Any, table: str, rows: list[RollupRow]) -> None: ...


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
        device_ids, keys, stamps, numbers, texts = zip(*rows, strict=True)
        params = (_ints(device_ids), _texts(keys), _ints(stamps), _floats(numbers), _texts(texts), _ints(retention))
        cursor.execute(self.INSERT, params)
        return [tuple(r) for r in cursor.fetchall()]

    def upsert_latest(self, cursor: Any, rows: list[Row]) -> None:
        device_ids, keys, stamps, numbers, texts = zip(*rows, strict=True)
        cursor.execute(self.LATEST, (_ints(device_ids), _texts(keys), _ints(stamps), _floats(numbers), _texts(texts)))

    def upsert_rollups(self, cursor: Any, table: str, rows: list[RollupRow]) -> None:
        # Sorted so that concurrent writers lock rows in the same order (no deadlocks).
        rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
        device_ids, keys, buckets, counts, mins, maxs, sums = zip(*rows, strict=True)
        params = (_ints(device_ids), _texts(keys), _ints(buckets), _ints(counts), _floats(mins), _floats(maxs))
        cursor.execute(self.ROLLUP.format(table=table), (*params, _floats(sums)))


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

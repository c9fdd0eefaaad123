"""Dialect-specific bulk SQL for the telemetry hot path, run on the DBAPI cursor of the open transaction.

SQLite: the batch staged in a temporary table, then one statement whose trigger writes every table (see
:class:`SqliteBulk`).
PostgreSQL: the whole batch in one statement over ``unnest``-ed arrays (passed as array literals); the
server derives latest values and rollups from the rows it inserted (see :class:`PostgresBulk`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from maeul.adapters.sql.sqlite_multirow import execute_padded

# A row as staged on SQLite: device_id, key, ts, value_num, value_str, retention_days, zone offset (ms).
StagedRow = tuple[int, str, int, float | None, str | None, int, int]
# Column-wise rows: device_ids, keys, timestamps, numbers, texts, retention days.
RawColumns = tuple[list[int], list[str], list[int], list[float | None], list[str | None], list[int]]


# Bucket start of each rollup period, in SQL (both databases): integer division truncates, and readings are
# never before 2000 (maeul.core.readings.MIN_TS_MS), so ts + offset is positive and this is the floor of
# maeul.core.rollups.bucket_start. Minute buckets need no zone offset.
_BUCKETS = (
    ("minute", "ts / 60000 * 60000"),
    ("hour", "(ts + offset_ms) / 3600000 * 3600000 - offset_ms"),
    ("day", "(ts + offset_ms) / 86400000 * 86400000 - offset_ms"),
)


def _rollup_statements(template: str) -> tuple[str, ...]:
    return tuple(template.replace("{table}", f"rollup_{p}").replace("{bucket}", bucket) for p, bucket in _BUCKETS)


class SqliteBulk:
    """The batch is staged in a temporary table, then one statement writes every table (through a trigger).

    SQLite does the work (duplicate checks, newest value per key, rollup aggregation) in C, with the
    interpreter lock released, instead of Python building rows for each statement. Each statement releases
    the lock and must take it back, and while other threads run Python that wait can last a whole switch
    interval (5 ms): so a batch takes as few statements as it can. Staging uses multi-row statements of up to
    1,024 rows, the last one padded to a power of two with repeats of its last row (the stage keeps the first
    of equal keys), so that a few statement shapes cover every batch size. Then one ``INSERT`` into a
    temporary command table fires :data:`FLUSH_TRIGGER`, whose body inserts the raw rows, upserts the latest
    values, folds the three rollups from the stage and empties it: a batch of up to 1,024 rows takes two
    statements and the commit.

    New rows: the stage's key drops repeats inside the batch (the first wins, as in the raw table). The flush
    inserts the raw rows without ``ON CONFLICT``, so if one of them is already stored (a redelivery) the whole
    statement, trigger and all, is undone and raises; then the stored rows are deleted from the stage and the
    flush runs again. Latest values and rollups come from the stage, that is from the new rows only: a
    redelivered reading is never counted twice.
    """

    STAGE = "temp.maeul_telemetry_stage"
    CREATE = (
        "CREATE TEMP TABLE IF NOT EXISTS maeul_telemetry_stage (device_id INTEGER NOT NULL, key TEXT NOT NULL, "
        "ts INTEGER NOT NULL, value_num REAL, value_str TEXT, retention_days INTEGER NOT NULL, "
        "offset_ms INTEGER NOT NULL, PRIMARY KEY (device_id, key, ts)) WITHOUT ROWID"
    )
    CREATE_COMMAND = "CREATE TEMP TABLE IF NOT EXISTS maeul_telemetry_flush (go INTEGER)"
    STAGE_MANY = (
        f"INSERT INTO {STAGE} (device_id, key, ts, value_num, value_str, retention_days, offset_ms) "
        "VALUES {values} ON CONFLICT DO NOTHING"
    )
    FORGET_STORED = (
        f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM main.telemetry t WHERE "
        "t.device_id = maeul_telemetry_stage.device_id AND t.key = maeul_telemetry_stage.key "
        "AND t.ts = maeul_telemetry_stage.ts)"
    )
    # Statements of the trigger body: names there cannot be schema-qualified (SQLite resolves the stage in
    # temp, the rest in main).
    INSERT = (
        "INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) "
        "SELECT device_id, key, ts, value_num, value_str, retention_days FROM maeul_telemetry_stage"
    )
    # SQLite's documented bare-column rule: with max(ts), value_num and value_str come from the newest row.
    LATEST = (
        "INSERT INTO latest_values (device_id, key, ts, value_num, value_str) "
        "SELECT device_id, key, max(ts), value_num, value_str FROM maeul_telemetry_stage WHERE true "
        "GROUP BY device_id, key "
        "ON CONFLICT (device_id, key) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num, "
        "value_str = excluded.value_str WHERE excluded.ts >= latest_values.ts"
    )
    ROLLUP = (
        "INSERT INTO {table} (device_id, key, bucket, count, min, max, sum) "
        "SELECT device_id, key, {bucket} AS b, count(*), min(value_num), max(value_num), sum(value_num) "
        "FROM maeul_telemetry_stage WHERE value_num IS NOT NULL GROUP BY device_id, key, b "
        "ON CONFLICT (device_id, key, bucket) DO UPDATE SET count = {table}.count + excluded.count, "
        "min = min({table}.min, excluded.min), max = max({table}.max, excluded.max), "
        "sum = {table}.sum + excluded.sum"
    )
    ROLLUPS = _rollup_statements(ROLLUP)
    EMPTY_STAGE = "DELETE FROM maeul_telemetry_stage"
    FLUSH_TRIGGER = (
        "CREATE TEMP TRIGGER IF NOT EXISTS maeul_telemetry_flush_stage AFTER INSERT ON maeul_telemetry_flush "
        "BEGIN " + "; ".join((INSERT, LATEST, *ROLLUPS, EMPTY_STAGE, "DELETE FROM maeul_telemetry_flush")) + "; END"
    )
    FLUSH = "INSERT INTO temp.maeul_telemetry_flush (go) VALUES (1)"
    CLEAR = f"DELETE FROM {STAGE}"

    @classmethod
    def prepare(cls, cursor: Any) -> bool:
        """Create the connection's staging table, command table and trigger (in memory) if missing. True if
        that is now permanent; False if created inside a transaction, which may still roll it back."""
        in_transaction = cursor.connection.in_transaction
        if not in_transaction:
            cursor.execute("PRAGMA temp_store = MEMORY")  # refused inside a transaction
        for sql in (cls.CREATE, cls.CREATE_COMMAND, cls.FLUSH_TRIGGER):
            cursor.execute(sql)
        return not in_transaction

    def write(self, cursor: Any, rows: Sequence[StagedRow]) -> int:
        """Store the rows (device_id, key, ts, value_num, value_str, retention_days, offset_ms); returns how
        many were new, after maintaining latest values and rollups from those."""
        execute = cursor.execute
        try:
            staged = execute_padded(cursor, self.STAGE_MANY, rows, 7)
            try:
                execute(self.FLUSH)  # empties the stage too
            except sqlite3.IntegrityError:  # some rows were already stored (a redelivery): undone; leave them out
                execute(self.FORGET_STORED)
                staged -= cursor.rowcount
                execute(self.FLUSH)
            return staged
        except BaseException:
            with suppress(sqlite3.Error):  # nothing staged survives into the next batch of this connection
                execute(self.CLEAR)
            raise


_POSTGRES_ROLLUP = (
    "{name} AS (INSERT INTO {table} (device_id, key, bucket, count, min, max, sum) "
    "SELECT device_id, key, {bucket} AS b, count(*), min(value_num), max(value_num), sum(value_num) "
    "FROM num GROUP BY device_id, key, b ORDER BY device_id, key, b "
    "ON CONFLICT (device_id, key, bucket) DO UPDATE SET count = {table}.count + excluded.count, "
    "min = least({table}.min, excluded.min), max = greatest({table}.max, excluded.max), "
    "sum = {table}.sum + excluded.sum)"
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
        for period, bucket in _BUCKETS
    )
    + " SELECT count(*) FROM new"
)


class PostgresBulk:
    """The whole write in one statement (one round trip): data-modifying CTEs insert the raw rows, and from
    the rows actually inserted (``RETURNING``) upsert the latest values and fold the minute/hour/day rollups,
    aggregated per (device, key, bucket) by the server. Nothing comes back but the count of new rows.

    The offset is the device's zone's UTC offset (day and hour buckets at local boundaries, see ``_BUCKETS``).
    Upserts insert in key order, so that concurrent writers lock rollup rows in the same order (no deadlocks).
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

"""Dialect-specific bulk SQL for the telemetry hot path, run on the DBAPI cursor of the open transaction.

SQLite: the batch staged in a temporary table, then one statement whose trigger writes every table (see
:class:`SqliteBulk`).
PostgreSQL: the whole batch in one statement over ``unnest``-ed arrays (passed as array literals); the
server derives latest values and rollups from the rows it inserted (see :class:`PostgresBulk`). On both, the
raw rows go in with a plain ``INSERT`` first, and only a batch that repeats a stored row is written again
with the duplicate check.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import suppress
from functools import lru_cache
from typing import Any

import psycopg.errors

from maeul.adapters.sql.sqlite_multirow import execute_padded
from maeul.core.readings import Reading

# A row as staged on SQLite: device_id, key, ts, value_num, value_str, retention_days, zone offset (ms).
StagedRow = tuple[int, str, int, float | None, str | None, int, int]


def _bucket_sql(period: str, stamp: str) -> str:
    """Start of the rollup period (minute, hour, day) holding ``stamp``, in SQL for both databases.

    Integer division truncates, and readings are never before 2000 (maeul.core.readings.MIN_TS_MS), so stamp plus
    offset is positive and this is the floor of maeul.core.rollups.bucket_start. Hours and days start at the
    local boundaries of the zone whose UTC offset is the row's ``offset_ms``; minutes need no offset.
    """
    if period == "minute":
        return f"{stamp} / 60000 * 60000"
    size = {"hour": 3_600_000, "day": 86_400_000}[period]
    return f"({stamp} + offset_ms) / {size} * {size} - offset_ms"


_SQLITE_UPSERT_ROLLUP = (
    "ON CONFLICT (device_id, key, bucket) DO UPDATE SET count = {table}.count + excluded.count, "
    "min = min({table}.min, excluded.min), max = max({table}.max, excluded.max), sum = {table}.sum + excluded.sum"
)
# The minutes table holds the minute rollup of the batch as it is; hours and days group it by a prefix of its key,
# so SQLite reads it in order, without sorting. (``WHERE true``: the ``ON CONFLICT`` belongs to the INSERT.)
_SQLITE_ROLLUPS = tuple(
    f"INSERT INTO rollup_{period} (device_id, key, bucket, count, min, max, sum) {select} "
    + _SQLITE_UPSERT_ROLLUP.replace("{table}", f"rollup_{period}")
    for period, select in (
        ("minute", "SELECT device_id, key, minute, count, min, max, sum FROM maeul_telemetry_minutes WHERE true"),
        (
            "hour",
            "SELECT device_id, key, hour, sum(count), min(min), max(max), sum(sum) FROM maeul_telemetry_minutes "
            "GROUP BY device_id, key, day, hour",
        ),
        (
            "day",
            "SELECT device_id, key, day, sum(count), min(min), max(max), sum(sum) FROM maeul_telemetry_minutes "
            "GROUP BY device_id, key, day",
        ),
    )
)


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

    Rollups without sorting: the stage's key is (device, key, minute, ts), so grouping it by minute follows the
    key's order; the batch's minutes are folded once into a second temporary table keyed by (device, key, day,
    hour, minute), whose order serves the minute, hour and day upserts in turn. (Grouping by a computed bucket
    made SQLite sort the whole batch three times.) A device's rows in a batch share its zone's offset
    (``PreparedWrite`` takes one per zone), so the minute's hour and day are those of each of its rows.

    New rows: the stage's key drops repeats inside the batch (the first wins, as in the raw table). The flush
    inserts the raw rows without ``ON CONFLICT``, so if one of them is already stored (a redelivery) the whole
    statement, trigger and all, is undone and raises; then the stored rows are deleted from the stage and the
    flush runs again. Latest values and rollups come from the stage, that is from the new rows only: a
    redelivered reading is never counted twice.
    """

    STAGE = "temp.maeul_telemetry_stage"
    CREATE = (
        "CREATE TEMP TABLE IF NOT EXISTS maeul_telemetry_stage (device_id INTEGER NOT NULL, key TEXT NOT NULL, "
        "minute INTEGER NOT NULL, ts INTEGER NOT NULL, value_num REAL, value_str TEXT, "
        "retention_days INTEGER NOT NULL, offset_ms INTEGER NOT NULL, PRIMARY KEY (device_id, key, minute, ts)) "
        "WITHOUT ROWID"
    )
    CREATE_MINUTES = (
        "CREATE TEMP TABLE IF NOT EXISTS maeul_telemetry_minutes (device_id INTEGER NOT NULL, key TEXT NOT NULL, "
        "day INTEGER NOT NULL, hour INTEGER NOT NULL, minute INTEGER NOT NULL, count INTEGER NOT NULL, min REAL, "
        "max REAL, sum REAL, PRIMARY KEY (device_id, key, day, hour, minute)) WITHOUT ROWID"
    )
    CREATE_COMMAND = "CREATE TEMP TABLE IF NOT EXISTS maeul_telemetry_flush (go INTEGER)"
    # The minute is computed here, from each row's stamp; ``WHERE true`` tells SQLite's parser that the
    # ``ON CONFLICT`` belongs to the INSERT, not to a join.
    STAGE_MANY = (
        f"INSERT INTO {STAGE} (device_id, key, minute, ts, value_num, value_str, retention_days, offset_ms) "
        f"SELECT column1, column2, {_bucket_sql('minute', 'column3')}, column3, column4, column5, column6, column7 "
        "FROM (VALUES {values}) WHERE true ON CONFLICT DO NOTHING"
    )
    FORGET_STORED = (
        f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM main.telemetry t WHERE "
        "t.device_id = maeul_telemetry_stage.device_id AND t.key = maeul_telemetry_stage.key "
        "AND t.ts = maeul_telemetry_stage.ts)"
    )
    # Statements of the trigger body: names there cannot be schema-qualified (SQLite resolves the temporary
    # tables in temp, the rest in main).
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
    FOLD_MINUTES = (
        "INSERT INTO maeul_telemetry_minutes (device_id, key, day, hour, minute, count, min, max, sum) "
        f"SELECT device_id, key, {_bucket_sql('day', 'minute')}, {_bucket_sql('hour', 'minute')}, minute, "
        "count(*), min(value_num), max(value_num), "
        "sum(value_num) FROM maeul_telemetry_stage WHERE value_num IS NOT NULL GROUP BY device_id, key, minute"
    )
    ROLLUPS = _SQLITE_ROLLUPS
    # Unqualified, these resolve to the temporary tables inside and outside a trigger alike (none exists in main).
    EMPTY = ("DELETE FROM maeul_telemetry_minutes", "DELETE FROM maeul_telemetry_stage")
    FLUSH_TRIGGER = (
        "CREATE TEMP TRIGGER IF NOT EXISTS maeul_telemetry_flush_stage AFTER INSERT ON maeul_telemetry_flush "
        "BEGIN "
        + "; ".join((INSERT, LATEST, FOLD_MINUTES, *ROLLUPS, *EMPTY, "DELETE FROM maeul_telemetry_flush"))
        + "; END"
    )
    FLUSH = "INSERT INTO temp.maeul_telemetry_flush (go) VALUES (1)"

    @classmethod
    def prepare(cls, cursor: Any) -> bool:
        """Create the connection's staging table, command table and trigger (in memory) if missing. True if
        that is now permanent; False if created inside a transaction, which may still roll it back."""
        in_transaction = cursor.connection.in_transaction
        if not in_transaction:
            cursor.execute("PRAGMA temp_store = MEMORY")  # refused inside a transaction
        for sql in (cls.CREATE, cls.CREATE_MINUTES, cls.CREATE_COMMAND, cls.FLUSH_TRIGGER):
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
                for sql in self.EMPTY:
                    execute(sql)
            raise


# PostgreSQL folds the batch into minutes once (``m``), then hours and days from those minutes: a minute bucket
# lies inside one hour and one day bucket, since zone offsets are whole minutes (every zone's, since 1972).
_POSTGRES_BUCKETS = (("minute", "b"), ("hour", _bucket_sql("hour", "b")), ("day", _bucket_sql("day", "b")))
_POSTGRES_ROLLUP = (
    "{name} AS (INSERT INTO {table} (device_id, key, bucket, count, min, max, sum) "
    "SELECT device_id, key, {bucket} AS rb, sum(c), min(lo), max(hi), sum(s) "
    "FROM m GROUP BY device_id, key, rb ORDER BY device_id, key, rb "
    "ON CONFLICT (device_id, key, bucket) DO UPDATE SET count = {table}.count + excluded.count, "
    "min = least({table}.min, excluded.min), max = greatest({table}.max, excluded.max), "
    "sum = {table}.sum + excluded.sum)"
)
_POSTGRES_WRITE = (
    "WITH new AS (INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) "
    "SELECT * FROM unnest(%s::int[], %s::varchar[], %s::bigint[], %s::float8[], %s::text[], %s::int[]) "
    "{on_conflict}RETURNING device_id, key, ts, value_num, value_str), "
    "latest AS (INSERT INTO latest_values (device_id, key, ts, value_num, value_str) "
    "SELECT DISTINCT ON (device_id, key) device_id, key, ts, value_num, value_str FROM new "
    "ORDER BY device_id, key, ts DESC "
    "ON CONFLICT (device_id, key) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num, "
    "value_str = excluded.value_str WHERE excluded.ts >= latest_values.ts), "
    f"m AS MATERIALIZED (SELECT new.device_id, new.key, {_bucket_sql('minute', 'new.ts')} AS b, z.offset_ms, "
    "count(*)::int AS c, "
    "min(new.value_num) AS lo, max(new.value_num) AS hi, sum(new.value_num) AS s FROM new "
    "JOIN unnest(%s::int[], %s::bigint[]) AS z (device_id, offset_ms) ON z.device_id = new.device_id "
    "WHERE new.value_num IS NOT NULL GROUP BY 1, 2, 3, 4), "
    + ", ".join(
        _POSTGRES_ROLLUP.format(name=f"r_{period}", table=f"rollup_{period}", bucket=bucket)
        for period, bucket in _POSTGRES_BUCKETS
    )
    + " SELECT count(*) FROM new"
)


class PostgresBulk:
    """The whole write in one statement (one round trip): data-modifying CTEs insert the raw rows, and from
    the rows actually inserted (``RETURNING``) upsert the latest values and fold the minute/hour/day rollups,
    aggregated per (device, key, bucket) by the server (the batch's minutes first, hours and days from them).
    Nothing comes back but the count of new rows.

    The raw rows are first inserted with a plain ``INSERT`` (:attr:`WRITE_NEW`) inside a savepoint. Nearly every
    batch is all new, and a plain insert costs PostgreSQL about a third less than ``ON CONFLICT DO NOTHING``,
    which inserts each row speculatively and confirms it with a WAL record of its own. A batch that repeats a
    stored row (a redelivery, or the same reading twice in the batch) fails with a unique violation; it is
    undone to the savepoint and written again with :attr:`WRITE`, which skips the repeats. Either way only the
    new rows reach the latest values and rollups.

    The offset is the device's zone's UTC offset (day and hour buckets at local boundaries, see ``_POSTGRES_BUCKETS``).
    Upserts insert in key order, so that concurrent writers lock rollup rows in the same order (no deadlocks).
    """

    WRITE = _POSTGRES_WRITE.replace("{on_conflict}", "ON CONFLICT DO NOTHING ")
    WRITE_NEW = _POSTGRES_WRITE.replace("{on_conflict}", "")
    SAVEPOINT = "maeul_telemetry_new"

    def write(self, cursor: Any, columns: PostgresColumns) -> int:
        """Insert the rows and maintain latest values and rollups; returns how many rows were new."""
        params = columns.params()
        if cursor.connection.autocommit:  # no transaction block for a savepoint: skip repeats at once
            cursor.execute(self.WRITE, params)
            return _count(cursor)
        cursor.execute(f"SAVEPOINT {self.SAVEPOINT}")
        try:
            cursor.execute(self.WRITE_NEW, params)
        except psycopg.errors.UniqueViolation:  # a stored row again: undo, then skip the repeats
            cursor.execute(f"ROLLBACK TO SAVEPOINT {self.SAVEPOINT}")
            cursor.execute(self.WRITE, params)
        stored = _count(cursor)
        cursor.execute(f"RELEASE SAVEPOINT {self.SAVEPOINT}")
        return stored


def _count(cursor: Any) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row else 0


class PostgresColumns:
    """A batch as the array literals of :data:`_POSTGRES_WRITE`, built message by message.

    Built here rather than by psycopg's list dumper, which handles every element in Python (a regular expression
    per element). A message's device id and retention are rendered once, its keys from a cache, its stamp once
    per distinct value (a message's readings usually share it). Numbers are written with ``repr()``, which
    PostgreSQL reads back as the very same double; text is always quoted and escaped. The span of stamps per
    retention class is kept on the way, for the partitions to be created before the insert.
    """

    __slots__ = ("devices", "keys", "numbers", "offsets", "retention", "spans", "stamps", "texts")

    def __init__(self) -> None:
        self.devices: list[str] = []
        self.keys: list[str] = []
        self.stamps: list[str] = []
        self.numbers: list[str] = []
        self.texts: list[str] = []
        self.retention: list[str] = []
        self.offsets: dict[int, int] = {}  # device id -> its zone's UTC offset, ms
        self.spans: dict[int, tuple[int, int]] = {}  # retention days -> (oldest, newest) stamp

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, device_id: int, retention_days: int, offset_ms: int, readings: Sequence[Reading]) -> None:
        n = len(readings)
        if not n:
            return
        self.devices.extend([str(device_id)] * n)
        self.retention.extend([str(retention_days)] * n)
        self.offsets[device_id] = offset_ms
        keys, stamps, numbers, texts = self.keys, self.stamps, self.numbers, self.texts
        first = readings[0].ts
        low = high = last = first
        stamp = str(first)
        for r in readings:
            keys.append(_key_literal(r.key))
            ts = r.ts
            if ts != last:
                last, stamp = ts, str(ts)
                if ts < low:
                    low = ts
                elif ts > high:
                    high = ts
            stamps.append(stamp)
            value = r.value
            if isinstance(value, float):
                numbers.append(repr(value))
                texts.append("NULL")
            else:
                numbers.append("NULL")
                texts.append(_text_literal(value))
        span = self.spans.get(retention_days)
        if span is not None:
            low, high = min(low, span[0]), max(high, span[1])
        self.spans[retention_days] = (low, high)

    def params(self) -> tuple[str, ...]:
        """The eight parameters of the statement, in order."""
        return (
            _array(self.devices),
            _array(self.keys),
            _array(self.stamps),
            _array(self.numbers),
            _array(self.texts),
            _array(self.retention),
            _array(list(map(str, self.offsets))),
            _array(list(map(str, self.offsets.values()))),
        )


def _array(elements: list[str]) -> str:
    return "{" + ",".join(elements) + "}"


def _text_literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@lru_cache(maxsize=4096)
def _key_literal(key: str) -> str:
    return _text_literal(key)

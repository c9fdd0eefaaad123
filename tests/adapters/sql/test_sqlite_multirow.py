"""Multi-row SQLite statements: their sizes, padding, and a padded upsert that leaves the rows as given."""

from __future__ import annotations

import sqlite3

import pytest

from maeul.adapters.sql.sqlite_multirow import GRANULE, chunk_sizes, execute_padded, multi_row_sql


@pytest.mark.parametrize(
    ("total", "largest", "sizes"),
    [
        (0, 1024, []),
        (1, 1024, [1]),
        (2, 1024, [2]),
        (3, 1024, [4]),
        (44, 1024, [64]),
        (64, 1024, [64]),
        (65, 1024, [128]),
        (300, 1024, [320]),
        (1000, 1024, [1024]),
        (1024, 1024, [1024]),
        (1025, 1024, [1024, 1]),
        (2500, 1024, [1024, 1024, 512]),
        (70, 32, [32, 32, 8]),
        (100, 128, [128]),
    ],
)
def test_chunk_sizes_are_full_chunks_then_one_padded_a_little(total: int, largest: int, sizes: list[int]) -> None:
    assert chunk_sizes(total, largest) == sizes
    assert total <= sum(sizes) < total + max(GRANULE, total // 64 + 1)


def test_multi_row_sql_has_one_group_of_placeholders_per_row() -> None:
    assert multi_row_sql("INSERT INTO t VALUES {values}", 2, 3) == "INSERT INTO t VALUES (?, ?), (?, ?), (?, ?)"


@pytest.mark.parametrize("count", [0, 1, 3, 1023, 1024, 1025, 3000])
def test_execute_padded_upserts_every_row_once_whatever_the_count(count: int) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0)")
    upsert = "INSERT INTO t (k, v) VALUES {values} ON CONFLICT (k) DO UPDATE SET v = excluded.v"
    rows = [(k, f"v{k}") for k in range(count)]
    cursor = db.cursor()
    changed = execute_padded(cursor, upsert, rows, 2)
    assert changed >= count  # padding rows update their row again (same values)
    assert db.execute("SELECT k, v FROM t ORDER BY k").fetchall() == rows
    again = [(k, f"w{k}") for k in range(count)]
    execute_padded(cursor, upsert, again, 2)
    assert db.execute("SELECT k, v FROM t ORDER BY k").fetchall() == again
    db.close()


def test_execute_padded_stays_under_the_variable_limit() -> None:
    db = sqlite3.connect(":memory:")
    db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)  # 33 rows of 3 at most: statements of 32
    db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b, c)")
    rows = [(i, i, i) for i in range(70)]
    execute_padded(db.cursor(), "INSERT INTO t VALUES {values} ON CONFLICT DO NOTHING", rows, 3)
    assert db.execute("SELECT count(*) FROM t").fetchone() == (70,)
    db.close()

"""Writers of one SQLite database take turns: first come first served, the bulk writer after everyone else."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.sqlite_gate import WriteGate, is_write, mark_bulk_writer


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("SELECT 1", False),
        ("  select * from t", False),
        ("PRAGMA journal_mode", False),
        ("EXPLAIN QUERY PLAN SELECT 1", False),
        ("INSERT INTO t VALUES (1)", True),
        ("update t set a = 1", True),
        ("DELETE FROM t", True),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", True),
        ("CREATE TABLE t (a)", True),
        ("", False),
    ],
)
def test_which_statements_take_the_gate(statement: str, writes: bool) -> None:
    assert is_write(statement) is writes


def _waiter(gate: WriteGate, who: str, order: list[str], bulk: bool = False) -> threading.Thread:
    def run() -> None:
        if bulk:
            mark_bulk_writer()
        assert gate.acquire(who, timeout=10)
        order.append(who)
        gate.release(who)

    thread = threading.Thread(target=run, name=f"gate-{who}")
    thread.start()
    return thread


def _wait_until_queued(gate: WriteGate, count: int) -> None:
    deadline = time.monotonic() + 5
    while gate.queued() < count:
        assert time.monotonic() < deadline, "the waiters did not queue"
        time.sleep(0.001)


def test_writers_take_turns_in_arrival_order_and_the_bulk_writer_last() -> None:
    gate = WriteGate()
    order: list[str] = []
    assert gate.acquire("holder")
    threads = []
    for n, (who, bulk) in enumerate([("bulk", True), ("first", False), ("second", False)], start=1):
        threads.append(_waiter(gate, who, order, bulk))
        _wait_until_queued(gate, n)
    gate.release("holder")
    for thread in threads:
        thread.join(10)
    assert order == ["first", "second", "bulk"]


def test_a_second_connection_of_the_holding_thread_does_not_wait_for_ever() -> None:
    gate = WriteGate()
    assert gate.acquire("a")
    assert gate.acquire("a")  # already holds it
    assert gate.acquire("b", timeout=10) is False  # the same thread: SQLite itself will answer
    gate.release("a")
    assert gate.acquire("b")


def test_a_waiter_gives_up_after_its_timeout_and_the_line_moves_on() -> None:
    gate = WriteGate()
    assert gate.acquire("holder")
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(gate.acquire("late", timeout=0.05)))
    thread.start()
    thread.join(10)
    assert result == [False] and gate.queued() == 0
    gate.release("holder")
    assert gate.acquire("next")


def test_commit_and_rollback_pass_the_turn_on(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (a INTEGER)"))
        done = threading.Event()

        def other_writer() -> None:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
            done.set()

        with engine.connect() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            thread = threading.Thread(target=other_writer)
            thread.start()
            assert not done.wait(0.2)  # it waits for our turn to end
            conn.rollback()
        thread.join(10)
        assert done.is_set()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (3)"))  # after a commit the gate is free again
            assert conn.execute(text("SELECT a FROM t ORDER BY a")).scalars().all() == [2, 3]
    finally:
        engine.dispose()

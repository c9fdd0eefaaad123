"""Writers of one SQLite database in this process take turns in arrival order instead of polling for its lock.

SQLite lets one transaction write at a time; a writer that finds the lock taken sleeps in SQLite's busy handler
(1, 2, 5, ... up to 100 ms) and retries. When one thread writes nearly all the time (the ingest writer under
load, committing a batch and starting the next within a millisecond) a sleeping writer keeps missing the short
gaps: the alert benchmark measured alarms waiting seconds for the rule thread's and the dispatchers' turns.

Here each connection's first writing statement of a transaction first waits for the database's gate, and the gate
passes on when that connection commits, rolls back or closes; SQLite's own lock is then free for the next in line.
Writers take turns first come first served, except that a thread marked as a bulk writer (:func:`mark_bulk_writer`:
the ingest writer) lets every other waiting writer go first: an alarm, a delivery record or an operator's change
waits for at most the batch being written, never for a queue of batches. Reads never wait for the gate (WAL
readers do not block writers). Other processes are not covered: they still meet SQLite's busy handler.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from typing import Any

READ_VERBS = ("SELECT", "PRAGMA", "EXPLAIN", "VALUES")
WAIT_S = 30.0  # as the busy timeout: after it, go ahead and let SQLite answer "database is locked"


def is_write(statement: str) -> bool:
    """Whether a statement may take SQLite's write lock (anything but a plain read)."""
    head = statement.lstrip()[:8].upper()
    return bool(head) and not head.startswith(READ_VERBS)


_thread = threading.local()


def mark_bulk_writer() -> None:
    """Let the calling thread's writes wait while other writers are waiting (for a thread that writes all the time)."""
    _thread.bulk = True


class WriteGate:
    """A turn for writing, held by one connection at a time: first come first served, bulk writers last."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: deque[object] = deque()  # other writers, in arrival order
        self._bulk: deque[object] = deque()  # bulk writers, after every other writer
        self._holder: object | None = None
        self._holder_thread: int | None = None

    def _my_turn(self, who: object, bulk: bool) -> bool:
        if self._holder is not None:
            return False
        if bulk:
            return not self._waiting and self._bulk[0] is who
        return self._waiting[0] is who

    def holds(self, who: object) -> bool:
        return self._holder is who

    def queued(self) -> int:
        """Writers waiting for their turn."""
        with self._cond:
            return len(self._waiting) + len(self._bulk)

    def acquire(self, who: object, timeout: float = WAIT_S) -> bool:
        """Wait for the turn of ``who``; False (without the turn) if this thread's other connection holds it, or
        after ``timeout`` seconds."""
        with self._cond:
            if self._holder is who:
                return True
            if self._holder is not None and self._holder_thread == threading.get_ident():
                return False  # the same thread's other transaction: waiting would never end
            bulk = bool(getattr(_thread, "bulk", False))
            line = self._bulk if bulk else self._waiting
            line.append(who)
            try:
                ready = self._cond.wait_for(lambda: self._my_turn(who, bulk), timeout)
            finally:
                line.remove(who)
            if not ready:
                self._cond.notify_all()  # the next in line may be able to go now
                return False
            self._holder, self._holder_thread = who, threading.get_ident()
            return True

    def release(self, who: object) -> None:
        with self._cond:
            if self._holder is who:
                self._holder = self._holder_thread = None
                self._cond.notify_all()


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def gate_for(database: str) -> WriteGate:
    """The process's gate of one database file."""
    with _gates_lock:
        return _gates.setdefault(database, WriteGate())


class GatedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> GatedCursor:
        connection = self.connection
        if isinstance(connection, GatedConnection):
            connection.before_statement(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> GatedCursor:
        connection = self.connection
        if isinstance(connection, GatedConnection):
            connection.before_statement(sql)
        return super().executemany(sql, seq_of_parameters)


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection whose writes take the database's :class:`WriteGate` (pass as ``factory=``)."""

    gate: WriteGate | None = None

    def use_gate(self, gate: WriteGate) -> None:
        self.gate = gate

    def before_statement(self, sql: str) -> None:
        gate = self.gate
        if gate is not None and not gate.holds(self) and is_write(sql):
            gate.acquire(self)

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or GatedCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        cursor: sqlite3.Cursor = self.cursor()
        return cursor.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        cursor: sqlite3.Cursor = self.cursor()
        return cursor.executemany(sql, parameters)

    def _pass_on(self) -> None:
        if self.gate is not None:
            self.gate.release(self)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._pass_on()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._pass_on()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._pass_on()

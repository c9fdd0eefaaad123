"""Wake the dispatchers as soon as a transaction that queued a notification has committed.

The planner marks the transaction's connection (:func:`mark_queued`) when it writes outbox rows; when that
connection goes back to the pool (after the commit of ``engine.begin()``, or after a rollback, when waking
is merely useless) :class:`CommitWaker` calls its ``wake`` function. The row is committed by then, so a
dispatcher woken at that moment finds it: no notification waits for the dispatchers' polling interval.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event

QUEUED = "maeul.notify.queued"
HANDED = "maeul.notify.handed"


def mark_queued(conn: Connection) -> None:
    """Note that ``conn``'s transaction queued messages to deliver now."""
    conn.info[QUEUED] = True


def mark_handed(conn: Connection, ids: list[str]) -> None:
    """Note outbox rows that ``conn``'s transaction wrote already leased to this process's dispatchers."""
    conn.info.setdefault(HANDED, []).extend(ids)


class OnCheckin:
    """Calls ``handle`` with what a transaction left under ``key`` in its connection's info, when that connection
    returns to ``engine``'s pool (after its commit, or its rollback); nothing when it left nothing."""

    def __init__(self, engine: Engine, key: str, handle: Callable[[Any], None]) -> None:
        self.engine = engine
        self.key = key
        self.handle = handle
        self._installed = False

    def install(self) -> None:
        if not self._installed:
            event.listen(self.engine, "checkin", self._checkin)
            self._installed = True

    def remove(self) -> None:
        if self._installed:
            event.remove(self.engine, "checkin", self._checkin)
            self._installed = False

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            value = record.info.pop(self.key, None)
            if value:
                self.handle(value)


class CommitWaker(OnCheckin):
    """Calls ``wake`` when a connection marked by :func:`mark_queued` is returned to ``engine``'s pool."""

    def __init__(self, engine: Engine, wake: Callable[[], None]) -> None:
        super().__init__(engine, QUEUED, lambda _queued: wake())


class HandOver(OnCheckin):
    """Gives ``take`` the ids noted by :func:`mark_handed` when their connection is returned to ``engine``'s pool
    (after the commit; after a rollback the rows do not exist and are simply not found)."""

    def __init__(self, engine: Engine, take: Callable[[list[str]], None]) -> None:
        super().__init__(engine, HANDED, take)

"""A savepoint that stays inside the connection's transaction on SQLite too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection


@contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """``conn.begin_nested()``; on SQLite the transaction is begun first if nothing was written yet.

    The ``sqlite3`` module begins its transaction at the first data change, so a savepoint taken before one would
    open a transaction of its own, and releasing it would commit what was written in it at once.
    """
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN")
    with conn.begin_nested():
        yield

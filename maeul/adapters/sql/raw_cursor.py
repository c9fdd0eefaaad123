"""The DBAPI cursor of a SQLAlchemy connection's transaction, for hot paths that bypass SQLAlchemy's statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError


@contextmanager
def raw_cursor(conn: Connection, what: str) -> Iterator[Any]:
    """The DBAPI cursor of ``conn``'s transaction; its errors come out as SQLAlchemy's, as from ``execute``,
    so that callers can tell transient from permanent failures."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        cursor = conn.connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
    except dbapi_error as exc:
        raise DBAPIError.instance(what, None, exc, dbapi_error) from exc

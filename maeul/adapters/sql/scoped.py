"""Tenant-scoped reads and unique-name writes that every repository needs, written once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, select
from sqlalchemy.exc import IntegrityError

from maeul.adapters.sql.errors import Conflict, NotFound


def one_in_tenant(
    conn: Connection, table: Table, tenant_id: str, *where: ColumnElement[bool], missing: str
) -> dict[str, Any]:
    """The one row of ``table`` in the tenant matching ``where``; ``NotFound(missing)`` when there is none."""
    row = conn.execute(select(table).where(table.c.tenant_id == tenant_id, *where)).mappings().first()
    if row is None:
        raise NotFound(missing)
    return dict(row)


def all_in_tenant(
    conn: Connection, table: Table, tenant_id: str, *where: ColumnElement[bool], order_by: Any = None
) -> list[dict[str, Any]]:
    """Every row of ``table`` in the tenant matching ``where``, by ``order_by`` (default: id)."""
    query = select(table).where(table.c.tenant_id == tenant_id, *where)
    query = query.order_by(table.c.id if order_by is None else order_by)
    return [dict(row) for row in conn.execute(query).mappings()]


@contextmanager
def conflict_if_duplicate(conn: Connection, message: str) -> Iterator[None]:
    """Run the writes inside in a savepoint; a uniqueness violation becomes ``Conflict(message)``.

    The savepoint keeps the surrounding transaction usable on PostgreSQL after the violation."""
    try:
        with conn.begin_nested():
            yield
    except IntegrityError:
        raise Conflict(message) from None

"""Shelters of a tenant: replaced whole by an import; the nearest open ones from a point."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from maeul.services.warnings.core import shelters as core
from maeul.services.warnings.tables import shelters


def replace_shelters(conn: Connection, tenant_id: str, items: list[core.Shelter], now: int) -> int:
    conn.execute(delete(shelters).where(shelters.c.tenant_id == tenant_id))
    if items:
        conn.execute(insert(shelters), [{**s.to_row(), "tenant_id": tenant_id, "created_at": now} for s in items])
    return len(items)


def list_shelters(conn: Connection, tenant_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    query = select(shelters).where(shelters.c.tenant_id == tenant_id)
    if kind is not None:
        query = query.where(shelters.c.kind == kind)
    return [dict(r) for r in conn.execute(query.order_by(shelters.c.id)).mappings()]


def nearest(
    conn: Connection, tenant_id: str, lon: float, lat: float, local: datetime, kind: str | None, limit: int = 3
) -> list[dict[str, Any]]:
    """The nearest shelters open at the local time ``local``, each with ``distance_m``."""
    rows = list_shelters(conn, tenant_id)
    items = [core.Shelter(r["name"], r["kind"], r["lon"], r["lat"], r["capacity"], r["hours"]) for r in rows]
    found = core.nearest_open(items, lon, lat, local, kind, limit)
    return [{**rows[n.index], "distance_m": round(n.distance_m)} for n in found]

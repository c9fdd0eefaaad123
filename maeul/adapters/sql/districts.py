"""Districts of a tenant (its eup/myeon/dong), stored as GeoJSON geometries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from maeul.adapters.sql.tables import districts
from maeul.core.districts import District
from maeul.platform.clock import now_ms


def replace_districts(conn: Connection, tenant_id: str, items: list[District]) -> int:
    """Replace the tenant's districts with ``items`` (codes not in the file are removed)."""
    conn.execute(delete(districts).where(districts.c.tenant_id == tenant_id))
    now = now_ms()
    if items:
        conn.execute(
            insert(districts),
            [
                {
                    "tenant_id": tenant_id,
                    "code": d.code,
                    "name": d.name,
                    "name_en": d.name_en,
                    "geometry": d.geometry,
                    "created_at": now,
                }
                for d in items
            ],
        )
    return len(items)


def list_districts(conn: Connection, tenant_id: str) -> list[District]:
    rows = conn.execute(select(districts).where(districts.c.tenant_id == tenant_id).order_by(districts.c.code))
    return [District(r.code, r.name, r.name_en, r.geometry) for r in rows]


def as_feature_collection(items: list[District]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": d.code,
                "geometry": d.geometry,
                "properties": {"code": d.code, "name": d.name, "name_en": d.name_en},
            }
            for d in items
        ],
    }

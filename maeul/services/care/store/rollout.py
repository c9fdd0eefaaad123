"""The rollout plan per district and the care settings of a tenant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from maeul.adapters.sql.errors import Invalid
from maeul.adapters.sql.tables import districts
from maeul.platform.clock import now_ms
from maeul.services.care.core.rollout import DistrictPlan, Phase
from maeul.services.care.core.status import DEFAULT_TIERS_H
from maeul.services.care.tables import care_households, care_rollout, care_settings


def _upsert(conn: Connection, table: Any, keys: list[str], values: dict[str, Any]) -> None:
    stmt = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=keys, set_={k: v for k, v in values.items() if k not in keys})
    )


def plans(conn: Connection, tenant_id: str) -> list[DistrictPlan]:
    """Every district of the tenant with its phase (``planned`` when none is set) and enrolled homes."""
    rows = conn.execute(
        select(districts.c.code, districts.c.name).where(districts.c.tenant_id == tenant_id).order_by(districts.c.code)
    ).all()
    set_rows = {
        r.district_code: r for r in conn.execute(select(care_rollout).where(care_rollout.c.tenant_id == tenant_id))
    }
    enrolled: dict[str, int] = dict(
        conn.execute(
            select(care_households.c.district_code, func.count())
            .where(care_households.c.tenant_id == tenant_id, care_households.c.active.is_(True))
            .group_by(care_households.c.district_code)
        ).all()
    )
    out = []
    for code, name in rows:
        plan = set_rows.get(code)
        out.append(
            DistrictPlan(
                code=code,
                name=name,
                phase=Phase(plan.phase) if plan is not None else Phase.PLANNED,
                planned_homes=plan.planned_homes if plan is not None else 0,
                enrolled_homes=int(enrolled.get(code, 0)),
                start_date=plan.start_date if plan is not None else None,
            )
        )
    return out


def set_plan(conn: Connection, tenant_id: str, code: str, values: dict[str, Any]) -> None:
    found = conn.execute(
        select(districts.c.code).where(districts.c.tenant_id == tenant_id, districts.c.code == code)
    ).first()
    if found is None:
        raise Invalid(f"district {code!r} is not one of the tenant's districts")
    _upsert(
        conn,
        care_rollout,
        ["tenant_id", "district_code"],
        {
            "tenant_id": tenant_id,
            "district_code": code,
            "phase": values["phase"],
            "planned_homes": values["planned_homes"],
            "start_date": values.get("start_date"),
            "note": values.get("note"),
            "updated_at": now_ms(),
        },
    )


def get_settings(conn: Connection, tenant_id: str) -> dict[str, Any]:
    row = conn.execute(select(care_settings).where(care_settings.c.tenant_id == tenant_id)).mappings().first()
    if row is None:
        return {"emergency_url": None, "tiers_h": list(DEFAULT_TIERS_H)}
    return {"emergency_url": row["emergency_url"], "tiers_h": list(row["tiers_h"])}


def put_settings(conn: Connection, tenant_id: str, emergency_url: str | None, tiers_h: list[float]) -> dict[str, Any]:
    if not (len(tiers_h) == 3 and 0 < tiers_h[0] < tiers_h[1] < tiers_h[2]):
        raise Invalid("tiers_h must be three increasing positive hours: attention, warning, danger")
    _upsert(
        conn,
        care_settings,
        ["tenant_id"],
        {"tenant_id": tenant_id, "emergency_url": emergency_url, "tiers_h": tiers_h, "updated_at": now_ms()},
    )
    return get_settings(conn, tenant_id)

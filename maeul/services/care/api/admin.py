"""The programme's administration: caseworkers by district, the audit log, settings, the rollout plan."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from maeul.adapters.http.deps import IdPath, PlatformDep, ReadConn, Reader
from maeul.services.care.api.deps import CareAdmin
from maeul.services.care.api.schemas import Assignment, RolloutBody, SettingsBody
from maeul.services.care.core.rollout import summary
from maeul.services.care.store import rollout, staff

router = APIRouter(prefix="/api/v1/care", tags=["care"])


@router.get("/caseworkers")
def list_caseworkers(actor: CareAdmin, conn: ReadConn) -> list[dict[str, Any]]:
    """Each caseworker's districts (user ids; names are in ``/api/v1/users``)."""
    assigned = staff.list_assignments(conn, actor.tenant_id)
    return [{"user_id": user_id, "district_codes": codes} for user_id, codes in sorted(assigned.items())]


@router.put("/caseworkers/{user_id}")
def assign(user_id: IdPath, body: Assignment, actor: CareAdmin, platform: PlatformDep) -> dict[str, Any]:
    """Replace the districts a caseworker looks after (an empty list takes them all away)."""
    with platform.engine.begin() as conn:
        codes = staff.set_assignment(conn, actor.tenant_id, user_id, body.district_codes)
        return {"user_id": user_id, "district_codes": codes}


@router.get("/audit")
def audit_log(
    actor: CareAdmin,
    conn: ReadConn,
    household_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    actor_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=2_000_000_000),
) -> dict[str, Any]:
    """Who viewed or changed whose personal data, newest first (the log holds no personal data itself)."""
    rows = staff.list_audit(
        conn, actor.tenant_id, household_id=household_id, actor_id=actor_id, limit=limit + 1, offset=offset
    )
    return {"items": rows[:limit], "next_offset": offset + limit if len(rows) > limit else None}


@router.get("/settings")
def get_settings(actor: CareAdmin, conn: ReadConn) -> dict[str, Any]:
    return rollout.get_settings(conn, actor.tenant_id)


@router.put("/settings")
def put_settings(body: SettingsBody, actor: CareAdmin, platform: PlatformDep) -> dict[str, Any]:
    """The emergency service's webhook (also list it, with its secret, in the tenant's webhook channel) and the
    default inactivity tiers."""
    with platform.engine.begin() as conn:
        return rollout.put_settings(conn, actor.tenant_id, body.emergency_url, body.tiers_h)


@router.get("/rollout")
def get_rollout(actor: Reader, conn: ReadConn) -> dict[str, Any]:
    """The plan by eup/myeon/dong: phase, planned and enrolled homes, coverage; and the totals."""
    plans = rollout.plans(conn, actor.tenant_id)
    items = [
        {
            "district_code": p.code,
            "name": p.name,
            "phase": p.phase.value,
            "phase_ko": p.phase.label_ko,
            "planned_homes": p.planned_homes,
            "enrolled_homes": p.enrolled_homes,
            "coverage": p.coverage,
            "start_date": p.start_date,
        }
        for p in plans
    ]
    return {"items": items, "summary": summary(plans)}


@router.put("/rollout/{district_code}")
def put_rollout(
    body: RolloutBody,
    actor: CareAdmin,
    platform: PlatformDep,
    district_code: str = Path(min_length=1, max_length=20),
) -> dict[str, Any]:
    with platform.engine.begin() as conn:
        rollout.set_plan(conn, actor.tenant_id, district_code, body.model_dump())
        plan = next(p for p in rollout.plans(conn, actor.tenant_id) if p.code == district_code)
        return {
            "district_code": plan.code,
            "phase": plan.phase.value,
            "planned_homes": plan.planned_homes,
            "enrolled_homes": plan.enrolled_homes,
            "coverage": plan.coverage,
            "start_date": plan.start_date,
        }

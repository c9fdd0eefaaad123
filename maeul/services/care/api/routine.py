"""A home's routine settings: the pill box's dose times and the resident's vitals ranges."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from maeul.adapters.http.deps import IdPath, PlatformDep, ReadConn
from maeul.services.care.api.deps import CareStaff, care_errors, check_district
from maeul.services.care.api.schemas import Routine, RoutinePatch
from maeul.services.care.store import households as repo
from maeul.services.care.store import routine as store

router = APIRouter(prefix="/api/v1/care", tags=["care"])


def _out(household_id: int, settings: dict[str, Any]) -> Routine:
    return Routine(household_id=household_id, effective=store.effective(settings), **settings)


@router.get("/households/{household_id}/routine", response_model=Routine)
def get_routine(household_id: IdPath, actor: CareStaff, conn: ReadConn) -> Routine:
    """The settings as set and as the detection uses them (caseworkers of the district and supervisors)."""
    with care_errors():
        home = repo.get_household(conn, actor.tenant_id, household_id)
        check_district(conn, actor, home["district_code"])
        return _out(household_id, store.get_settings(conn, actor.tenant_id, household_id))


@router.put("/households/{household_id}/routine", response_model=Routine)
def set_routine(household_id: IdPath, body: RoutinePatch, actor: CareStaff, platform: PlatformDep) -> Routine:
    """Set the dose times (or let them be learned) and the resident's ranges; applied to the home's rules.
    A field left out of the body keeps its value; null resets it to the defaults."""
    changes: dict[str, Any] = {}
    for name in ("medication", "vitals"):
        if name in body.model_fields_set:
            value = getattr(body, name)
            changes[name] = None if value is None else value.model_dump(exclude_none=True)
    with platform.engine.begin() as conn, care_errors():
        home = repo.get_household(conn, actor.tenant_id, household_id)
        check_district(conn, actor, home["district_code"])
        return _out(household_id, store.set_settings(conn, actor.tenant_id, household_id, changes))

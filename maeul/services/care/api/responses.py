"""The response workflow: the open cases of a caseworker's districts, each step with its outcome, closing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status

from maeul.adapters.http.deps import IdPath, PlatformDep, ReadConn
from maeul.adapters.http.schemas import Page
from maeul.services.care.api.deps import CareStaff, CipherDep, care_errors, check_district, districts_filter
from maeul.services.care.api.schemas import CloseRequest, OpenRequest, StepRequest
from maeul.services.care.store import households, staff
from maeul.services.care.store import responses as repo

router = APIRouter(prefix="/api/v1/care", tags=["care"])


def _listeners(platform: Any) -> list[Any]:
    return list(getattr(platform, "alarm_listeners", []))


@router.get("/responses", response_model=Page[dict[str, Any]])
def list_responses(
    actor: CareStaff,
    conn: ReadConn,
    open_only: bool = Query(default=False, alias="open"),
    household_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=2_000_000_000),
) -> Page[dict[str, Any]]:
    """Open cases first; a caseworker sees the cases of the districts assigned to them."""
    rows = repo.list_responses(
        conn,
        actor.tenant_id,
        district_codes=districts_filter(conn, actor),
        open_only=open_only,
        household_id=household_id,
        limit=limit + 1,
        offset=offset,
    )
    return Page[dict[str, Any]](items=rows[:limit], next_offset=offset + limit if len(rows) > limit else None)


@router.post("/households/{household_id}/responses", status_code=status.HTTP_201_CREATED)
def open_response(
    household_id: IdPath, body: OpenRequest, actor: CareStaff, platform: PlatformDep, cipher: CipherDep
) -> dict[str, Any]:
    """Open the response to an alarm of the home by hand (warnings and dangers open one by themselves)."""
    with platform.engine.begin() as conn, care_errors():
        home = households.get_household(conn, actor.tenant_id, household_id)
        check_district(conn, actor, home["district_code"])
        row = repo.open_by_hand(conn, cipher, actor.tenant_id, household_id, body.alarm_id)
        return repo.view(conn, actor.tenant_id, row["id"], None)


@router.get("/responses/{response_id}")
def get_response(response_id: IdPath, actor: CareStaff, platform: PlatformDep, cipher: CipherDep) -> dict[str, Any]:
    """The case with its steps and notes (notes are personal data: the view is audited)."""
    with platform.engine.begin() as conn, care_errors():
        check_district(conn, actor, repo.district_of(conn, actor.tenant_id, response_id))
        view = repo.view(conn, actor.tenant_id, response_id, cipher)
        staff.audit(conn, actor, "view_response", view["household_id"], f"response:{response_id}")
        return view


@router.post("/responses/{response_id}/steps", status_code=status.HTTP_201_CREATED)
def add_step(
    response_id: IdPath, body: StepRequest, actor: CareStaff, platform: PlatformDep, cipher: CipherDep
) -> dict[str, Any]:
    """Record a step and its outcome: ``phone_check`` (reached_ok, reached_needs_help, no_answer), ``visit``
    (found_ok, found_needs_help, not_home, no_access), ``emergency`` (dispatched: the emergency webhook is called,
    transported, not_needed). The first step acknowledges the alarm, which stops its escalation."""
    with platform.engine.begin() as conn, care_errors():
        check_district(conn, actor, repo.district_of(conn, actor.tenant_id, response_id))
        repo.record_step(
            conn, cipher, actor, response_id, body.step, body.outcome, body.note, listeners=_listeners(platform)
        )
        return repo.view(conn, actor.tenant_id, response_id, None)


@router.post("/responses/{response_id}/close")
def close_response(
    response_id: IdPath, body: CloseRequest, actor: CareStaff, platform: PlatformDep, cipher: CipherDep
) -> dict[str, Any]:
    """Close the case as ``confirmed`` or ``false_alarm`` (with its reason: device_fault, over_sensitive,
    resident_away, resident_ok, test, unknown, other); clears the alarm and tells the family as they asked."""
    with platform.engine.begin() as conn, care_errors():
        check_district(conn, actor, repo.district_of(conn, actor.tenant_id, response_id))
        repo.close(
            conn,
            cipher,
            actor,
            response_id,
            body.resolution,
            body.false_reason,
            body.note,
            listeners=_listeners(platform),
        )
        return repo.view(conn, actor.tenant_id, response_id, None)

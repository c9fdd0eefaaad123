"""Console form of a home's routine settings: the pill box's dose times and the resident's vitals ranges
(caseworkers of the home's district and supervisors; the same checks as ``PUT .../routine``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from maeul.adapters.http.deps import IdPath
from maeul.adapters.sql.accounts import Actor
from maeul.adapters.sql.errors import Invalid
from maeul.core.roles import Permission
from maeul.platform.app import Platform
from maeul.services.care.api.deps import check_district
from maeul.services.care.core.access import CARE_STAFF
from maeul.services.care.detection.medication import MedicationConfig
from maeul.services.care.detection.vitals import VitalsConfig
from maeul.services.care.store import households
from maeul.services.care.store import routine as store
from maeul.web.auth import page_user
from maeul.web.errors import WebRoute
from maeul.web.render import render
from maeul.web.security import form_data

StaffUser = Annotated[Actor, Depends(page_user(Permission.READ, roles=CARE_STAFF))]
RANGES = ("systolic_low", "systolic_high", "diastolic_low", "diastolic_high", "glucose_low", "glucose_high")


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _values(settings: dict[str, Any]) -> dict[str, str]:
    """The form's fields from the stored settings, defaults filled in."""
    effective = store.effective(settings)
    medication, vitals = effective["medication"], effective["vitals"]
    values = {"times": ", ".join(medication["times"]), "window_min": str(medication["window_s"] // 60)}
    values.update({name: f"{vitals[name]:g}" for name in RANGES})
    return values


def _changes(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings a form asks for (only what differs from the defaults), and the values to show again."""
    shown = {name: str(form.get(name) or "").strip() for name in ("times", "window_min", *RANGES)}
    medication: dict[str, Any] = {}
    times = [t.strip() for t in shown["times"].replace(";", ",").split(",") if t.strip()]
    if times:
        medication["times"] = times
    try:
        window_s = round(float(shown["window_min"]) * 60) if shown["window_min"] else MedicationConfig().window_s
        vitals = {name: float(shown[name]) for name in RANGES if shown[name]}
    except ValueError:
        raise Invalid("숫자를 입력하십시오 / enter numbers") from None
    if window_s != MedicationConfig().window_s:
        medication["window_s"] = window_s
    defaults = VitalsConfig()
    vitals = {k: v for k, v in vitals.items() if v != getattr(defaults, k)}
    return {"medication": medication or None, "vitals": vitals or None}, shown


def router() -> APIRouter:
    pages = APIRouter(route_class=WebRoute, include_in_schema=False)

    def _home(platform: Platform, actor: Actor, household_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        with platform.engine.connect() as conn:
            home = households.get_household(conn, actor.tenant_id, household_id)
            check_district(conn, actor, home["district_code"])
            return home, store.get_settings(conn, actor.tenant_id, household_id)

    @pages.get("/console/care/households/{household_id}/routine")
    def routine_form(household_id: IdPath, request: Request, actor: StaffUser) -> Response:
        home, settings = _home(_platform(request), actor, household_id)
        context = {"home": home, "values": _values(settings), "error": None, "saved": "saved" in request.query_params}
        return render(request, "care/routine.html", context)

    @pages.post("/console/care/households/{household_id}/routine")
    async def save_routine(household_id: IdPath, request: Request, actor: StaffUser) -> Response:
        platform = _platform(request)
        home, _ = await run_in_threadpool(_home, platform, actor, household_id)
        form = await form_data(request)
        shown = {name: str(form.get(name) or "") for name in ("times", "window_min", *RANGES)}

        def save() -> None:
            changes = _changes(form)[0]
            with platform.engine.begin() as conn:
                store.set_settings(conn, actor.tenant_id, household_id, changes)

        try:
            await run_in_threadpool(save)
        except Invalid as exc:
            context = {"home": home, "values": shown, "error": str(exc), "saved": False}
            return render(request, "care/routine.html", context, status_code=422)
        return RedirectResponse(f"/console/care/households/{household_id}/routine?saved=1", status_code=303)

    return pages

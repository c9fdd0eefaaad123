"""The operators' warnings pages: stations (stage, last reading, forecast, configuration, chart), warnings (active and
past, CAP messages, a manual warning to an area, update and all-clear), shelters (table and import)."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from maeul.adapters.http.errors import KOREAN, ApiError
from maeul.adapters.sql.accounts import Actor
from maeul.adapters.sql.errors import Invalid
from maeul.core.roles import Permission, allows
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.services.warnings import alerts, manual, shelter_store, shelter_upload, stations
from maeul.services.warnings.core.kinds import KINDS
from maeul.services.warnings.pages import common
from maeul.services.warnings.pages.common import FormError
from maeul.services.warnings.pages.portal import cap_url
from maeul.services.warnings.schemas import CATEGORY, CancelIn, ManualAlertIn, StageChangeIn
from maeul.web.auth import page_user
from maeul.web.errors import WebRoute, wants_html
from maeul.web.i18n import request_language
from maeul.web.render import render
from maeul.web.security import form_data

BASE = "/console/warnings"
Reader = Annotated[Actor, Depends(page_user(Permission.READ))]
Manager = Annotated[Actor, Depends(page_user(Permission.MANAGE_DEVICES))]
HOUR = 3_600_000
CATEGORIES: tuple[str, ...] = get_args(CATEGORY)


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _can_manage(actor: Actor) -> bool:
    return allows(actor.role, Permission.MANAGE_DEVICES)


def _alert_form_context(request: Request, actor: Actor) -> dict[str, Any]:
    with _platform(request).engine.connect() as conn:
        districts = common.district_options(conn, actor.tenant_id, request_language(request))
    return {"districts": districts, "categories": CATEGORIES, "stages": common.stages()[1:]}


def router() -> APIRouter:
    pages = APIRouter(route_class=WebRoute, include_in_schema=False)

    @pages.get(f"{BASE}/")
    def station_list(request: Request, actor: Reader) -> Response:
        """Every station with its stage, last reading and forecast."""
        with _platform(request).engine.connect() as conn:
            items = stations.list_stations(conn, actor.tenant_id)
            active = alerts.list_alerts(conn, actor.tenant_id, active=True)
        return render(request, "warnings/console_stations.html", {
            "stations": items, "stages": common.stages(), "active_count": len(active),
        })  # fmt: skip

    @pages.get(f"{BASE}/stations/{{station_id}}")
    def station_detail(request: Request, station_id: int, actor: Reader) -> Response:
        """A station: its stage and assessment, its thresholds and stage configuration, its warnings, a chart."""
        with _platform(request).engine.connect() as conn:
            station = stations.get_station(conn, actor.tenant_id, station_id)
            warnings = [a for a in alerts.list_alerts(conn, actor.tenant_id) if a["station_id"] == station_id]
            names = dict(common.district_options(conn, actor.tenant_id, request_language(request)))
        kind = KINDS[station["kind"]]
        return render(request, "warnings/console_station.html", {
            "s": station, "kind": kind, "stages": common.stages(), "warnings": warnings,
            "area_names": [names.get(c, c) for c in station["district_codes"]],
            "assessment": station.get("assessment") or {},
        })  # fmt: skip

    @pages.get(f"{BASE}/alerts")
    def alert_list(request: Request, actor: Reader, show: str = "active") -> Response:
        """Active or past warnings, newest first."""
        active = show != "past"
        with _platform(request).engine.connect() as conn:
            items = alerts.list_alerts(conn, actor.tenant_id, active=active)
        return render(request, "warnings/console_alerts.html", {
            "alerts": items, "show": "active" if active else "past", "stages": common.stages(),
            "can_manage": _can_manage(actor),
        })  # fmt: skip

    @pages.get(f"{BASE}/alerts/new")
    def alert_new(request: Request, actor: Manager) -> Response:
        context = _alert_form_context(request, actor)
        return render(request, "warnings/console_alert_new.html", {**context, "form": {}, "error": None})

    @pages.post(f"{BASE}/alerts")
    async def alert_create(request: Request, actor: Manager) -> Response:
        """A manual warning: the form's values go through the API's model and function, or the form comes back
        with the problem (in Korean and English) and everything typed, and nothing is sent."""
        form = await form_data(request)
        codes = await common.many(request, form, "district_codes")
        shown: dict[str, Any] = {k: common.text(form, k) for k in (
            "event_ko", "event_en", "category", "stage", "status", "polygon", "note_ko", "note_en")}  # fmt: skip
        shown["district_codes"] = codes
        try:
            values = {
                "event_ko": shown["event_ko"], "event_en": shown["event_en"],
                "category": shown["category"] or "Safety", "stage": shown["stage"],
                "status": shown["status"] or "Actual", "district_codes": codes,
                "polygon": common.parse_polygon(shown["polygon"]),
                "note_ko": shown["note_ko"] or None, "note_en": shown["note_en"] or None,
            }  # fmt: skip
            body = common.validated(ManualAlertIn, values)
            created = manual.issue(_platform(request), actor, body)
        except FormError as exc:
            error: FormError = exc
        except Invalid as exc:
            error = FormError(f"{KOREAN['invalid']}: 구역(읍면동 또는 그린 구역)을 확인하십시오", str(exc))
        else:
            return RedirectResponse(f"{BASE}/alerts/{created['id']}", status_code=303)
        common.for_scripts(request, error)
        context = _alert_form_context(request, actor)
        return render(request, "warnings/console_alert_new.html", {**context, "form": shown, "error": error},
                      status_code=422)  # fmt: skip

    @pages.get(f"{BASE}/alerts/{{alert_id}}")
    def alert_detail(request: Request, alert_id: int, actor: Reader) -> Response:
        """A warning, its CAP messages (each document shown) and, for operators, update and all-clear."""
        with _platform(request).engine.connect() as conn:
            alert = alerts.alert_with_messages(conn, actor.tenant_id, alert_id)
            documents = {m["identifier"]: alerts.cap_document(conn, actor.tenant_id, m["identifier"])
                         for m in alert["messages"]}  # fmt: skip
            names = dict(common.district_options(conn, actor.tenant_id, request_language(request)))
        return render(request, "warnings/console_alert.html", {
            "a": alert, "documents": documents, "stages": common.stages()[1:], "can_manage": _can_manage(actor),
            "area_names": [names.get(c, c) for c in alert["district_codes"]], "error": None,
            "cap_url": lambda identifier: cap_url(actor.tenant_id, identifier),
        })  # fmt: skip

    @pages.post(f"{BASE}/alerts/{{alert_id}}/{{action}}")
    async def alert_change(request: Request, alert_id: int, action: str, actor: Manager) -> Response:
        """Update (a new stage) or cancel (the all-clear) a warning."""
        form = await form_data(request)
        notes = {"note_ko": common.optional(form, "note_ko"), "note_en": common.optional(form, "note_en")}
        try:
            if action == "update":
                body: StageChangeIn | CancelIn = common.validated(
                    StageChangeIn, {"stage": common.text(form, "stage"), **notes}
                )
            elif action == "cancel":
                body = common.validated(CancelIn, notes)
            else:
                raise ApiError(404, "not_found", f"unknown action {action!r}")
        except FormError as exc:
            raise ApiError(422, "invalid", exc.message_en) from None
        manual.change(_platform(request), actor, alert_id, body)
        return RedirectResponse(f"{BASE}/alerts/{alert_id}", status_code=303)

    @pages.get(f"{BASE}/shelters")
    def shelter_list(request: Request, actor: Reader) -> Response:
        with _platform(request).engine.connect() as conn:
            items = shelter_store.list_shelters(conn, actor.tenant_id)
        return render(request, "warnings/console_shelters.html", {
            "shelters": items, "can_manage": _can_manage(actor), "problems": None, "imported": None,
        })  # fmt: skip

    @pages.post(f"{BASE}/shelters")
    async def shelter_import(request: Request, actor: Manager) -> Response:
        """Replace the shelters with a CSV or GeoJSON file; with any bad row nothing changes and every row's
        problem is listed."""
        form = await form_data(request)
        upload = form.get("file")
        problems: list[str] | None = None
        imported = None
        status = 200
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read()
            is_csv = shelter_upload.looks_like_csv(upload.filename, upload.content_type or "", data)
        else:
            pasted = common.text(form, "text")
            data = pasted.encode()
            is_csv = shelter_upload.looks_like_csv("", "", data)
        try:
            if not data.strip():
                raise ApiError(422, "invalid", "choose a CSV or GeoJSON file")
            items = shelter_upload.parse_upload(data, is_csv)
        except ApiError as exc:
            if not wants_html(request):
                raise
            problems = [str(d) for d in exc.details] if exc.details else [exc.message]
            status = exc.status
        else:
            with _platform(request).engine.begin() as conn:
                imported = shelter_store.replace_shelters(conn, actor.tenant_id, items, now_ms())
        with _platform(request).engine.connect() as conn:
            listed = shelter_store.list_shelters(conn, actor.tenant_id)
        return render(request, "warnings/console_shelters.html", {
            "shelters": listed, "can_manage": True, "problems": problems, "imported": imported,
        }, status_code=status)  # fmt: skip

    return pages

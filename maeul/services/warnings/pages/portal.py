"""The residents' warnings pages (no account): the status map and list, a station's card, the nearest open shelter,
and subscribing (confirm, unsubscribe) through the same functions as the public API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import Connection

from maeul.adapters.sql import accounts
from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.services.warnings import alerts, residents, shelter_store, stations
from maeul.services.warnings.core import areas
from maeul.services.warnings.pages import common
from maeul.services.warnings.pages.common import FormError
from maeul.services.warnings.public import PREFIX, create_subscription
from maeul.services.warnings.schemas import SubscribeIn, TokenIn
from maeul.web.auth import public_form
from maeul.web.errors import WebRoute
from maeul.web.i18n import request_language
from maeul.web.render import render
from maeul.web.security import form_data

BASE = "/portal/warnings"
STATIC = Path(__file__).resolve().parents[1] / "static"
HOUR = 3_600_000
SHELTER_KINDS = ("evacuation", "heat", "cold")


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _station_view(conn: Connection, station: dict[str, Any], hours: int = 6) -> dict[str, Any]:
    """A station as the pages show it: stage, last reading, forecast, readings of the last hours."""
    since = (station["last_ts"] or now_ms()) - hours * HOUR
    assessment = station.get("assessment") or {}
    return {
        **station,
        "forecast": assessment.get("forecast"),
        "rate_per_h": assessment.get("rate_per_h"),
        "horizon_min": int(station["config"].get("horizon_s", 1800)) // 60,
        "readings": stations.recent_readings(conn, station["device_id"], station["stage_key"], since, 360),
    }


def active_warnings(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    """The warnings residents see (real ones, not exercises or tests), each with its CAP messages."""
    out = []
    for alert in alerts.list_alerts(conn, tenant_id, active=True):
        if alert["status"] == "Actual":
            out.append(alerts.alert_with_messages(conn, tenant_id, alert["id"]))
    return out


def cap_url(tenant_id: str, identifier: str) -> str:
    return f"{PREFIX}/cap?{urlencode({'tenant': tenant_id, 'identifier': identifier})}"


def _chooser(request: Request, tenants: list[dict[str, Any]], title: str) -> Response:
    return render(request, "warnings/choose_tenant.html", {"tenants": tenants, "page_title": title})


def _nearest(
    conn: Connection, tenant: dict[str, Any], lon: float, lat: float, kind: str | None
) -> list[dict[str, Any]]:
    local = datetime.now(UTC).astimezone(ZoneInfo(tenant.get("timezone") or "Asia/Seoul"))
    return shelter_store.nearest(conn, tenant["id"], lon, lat, local, kind, 3)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def router() -> APIRouter:
    pages = APIRouter(route_class=WebRoute, include_in_schema=False)

    @pages.get(f"{BASE}/")
    def status_page(request: Request) -> Response:
        """The map and the list of stations by stage, the active warnings, the nearest shelter form."""
        with _platform(request).engine.connect() as conn:
            tenant, tenants = common.portal_tenant(request, conn)
            if tenant is None:
                return _chooser(request, tenants, "status")
            items = [_station_view(conn, s) for s in stations.list_stations(conn, tenant["id"])]
            warnings = active_warnings(conn, tenant["id"])
            districts = common.district_options(conn, tenant["id"], request_language(request))
        return render(request, "warnings/portal_status.html", {
            "tenant": tenant, "stations": items, "warnings": warnings, "districts": districts,
            "stages": common.stages(), "cap_url": cap_url, "feed_url": f"{PREFIX}/feed?tenant={tenant['id']}",
            "kinds": SHELTER_KINDS,
        })  # fmt: skip

    @pages.get(f"{BASE}/station")
    def station_card(request: Request, tenant: str, id: int) -> Response:
        """One station's card (a page, or the fragment the map shows beside it)."""
        with _platform(request).engine.connect() as conn:
            info, _ = common.portal_tenant(request, conn)
            if info is None:
                raise NotFound(f"tenant {tenant!r} not found")
            station = _station_view(conn, stations.get_station(conn, info["id"], id))
        fragment = request.headers.get("hx-request") == "true" or request.query_params.get("fragment") == "1"
        template = "warnings/station_card.html" if fragment else "warnings/portal_station.html"
        return render(request, template, {"tenant": info, "s": station, "stages": common.stages()})

    @pages.get(f"{BASE}/areas.geojson")
    def areas_geojson(request: Request, tenant: str) -> Response:
        """The areas of the active warnings (districts and drawn polygons) for the map."""
        features = []
        with _platform(request).engine.connect() as conn:
            info, _ = common.portal_tenant(request, conn)
            if info is None:
                raise NotFound(f"tenant {tenant!r} not found")
            for alert in active_warnings(conn, info["id"]):
                geom = common.area_geometry(conn, info["id"], list(alert["district_codes"]), alert["polygon"])
                if geom.is_empty:
                    continue
                features.append({
                    "type": "Feature",
                    "geometry": areas.as_geojson(geom),
                    "properties": {"id": alert["id"], "stage": alert["stage"], "event_ko": alert["event_ko"],
                                   "event_en": alert["event_en"]},
                })  # fmt: skip
        return JSONResponse({"type": "FeatureCollection", "features": features}, media_type="application/geo+json")

    @pages.get(f"{BASE}/shelters")
    def shelters_page(
        request: Request, tenant: str | None = None, lon: str | None = None, lat: str | None = None,
        district: str | None = None, kind: str | None = None,
    ) -> Response:  # fmt: skip
        """The nearest shelters open now, from a point (geolocation, a click on the map) or a district's centre."""
        with _platform(request).engine.connect() as conn:
            info, tenants = common.portal_tenant(request, conn)
            if info is None:
                return _chooser(request, tenants, "shelters")
            language = request_language(request)
            districts = common.district_options(conn, info["id"], language)
            point_lon, point_lat = _float(lon), _float(lat)
            error = None
            if district:
                centre = common.district_centre(conn, info["id"], district)
                if centre is None:
                    error = FormError("모르는 읍면동입니다", f"unknown district {district}")
                else:
                    point_lon, point_lat = centre
            elif (lon or lat) and (point_lon is None or point_lat is None):
                error = FormError("경도와 위도는 숫자여야 합니다", "longitude and latitude must be numbers")
            if point_lon is not None and point_lat is not None and error is None:
                try:
                    areas.check_point(point_lon, point_lat)
                except areas.AreaError as exc:
                    error = FormError("위치가 올바르지 않습니다", str(exc))
            chosen_kind = kind if kind in SHELTER_KINDS else None
            found = None
            if error is not None:
                common.for_scripts(request, error)
            if error is None and point_lon is not None and point_lat is not None:
                found = _nearest(conn, info, point_lon, point_lat, chosen_kind)
        return render(request, "warnings/portal_shelters.html", {
            "tenant": info, "districts": districts, "found": found, "error": error, "kinds": SHELTER_KINDS,
            "query": {"lon": lon or "", "lat": lat or "", "district": district or "", "kind": chosen_kind or ""},
            "point": (point_lon, point_lat) if found is not None else None,
        }, status_code=422 if error else 200)  # fmt: skip

    def _subscribe_context(conn: Connection, request: Request, tenant: dict[str, Any]) -> dict[str, Any]:
        return {
            "tenant": tenant,
            "districts": common.district_options(conn, tenant["id"], request_language(request)),
            "stages": common.stages()[1:],
        }

    @pages.get(f"{BASE}/subscribe")
    def subscribe_form(request: Request, tenant: str | None = None) -> Response:
        with _platform(request).engine.connect() as conn:
            info, tenants = common.portal_tenant(request, conn)
            if info is None:
                return _chooser(request, tenants, "subscribe")
            context = _subscribe_context(conn, request, info)
        return render(request, "warnings/portal_subscribe.html", {**context, "form": {}, "error": None, "done": None})

    @pages.post(f"{BASE}/subscribe", dependencies=[Depends(public_form)])
    async def subscribe_submit(request: Request) -> Response:
        """Subscribe to districts and/or a point with a radius; the confirmation code goes to the address."""
        form = await form_data(request)
        codes = await common.many(request, form, "district")
        platform = _platform(request)
        tenant_id = common.text(form, "tenant")
        with platform.engine.connect() as conn:
            tenants = {t["id"]: t for t in accounts.list_tenants(conn)}
            if tenant_id not in tenants:
                raise NotFound(f"tenant {tenant_id!r} not found")
            context = _subscribe_context(conn, request, tenants[tenant_id])
        places: list[dict[str, Any]] = [{"district_code": code} for code in codes]
        lon, lat, radius = (common.text(form, k) for k in ("lon", "lat", "radius_m"))
        fields = ("channel", "address", "language", "min_stage", "lon", "lat", "radius_m")
        shown: dict[str, Any] = {k: common.text(form, k) for k in fields}
        shown["districts"] = codes
        try:
            if lon or lat:
                places.append({"lon": lon, "lat": lat, "radius_m": radius or "1000"})
            if not places:
                raise FormError(
                    "읍면동을 고르거나 위치와 반경을 입력하십시오", "choose districts or give a point and a radius"
                )
            body = common.validated(SubscribeIn, {
                "tenant": tenant_id, "channel": shown["channel"], "address": shown["address"],
                "language": shown["language"] or "ko", "min_stage": shown["min_stage"] or 2, "places": places,
            })  # fmt: skip
            result = create_subscription(platform, body)
        except FormError as exc:
            common.for_scripts(request, exc)
            return render(request, "warnings/portal_subscribe.html",
                          {**context, "form": shown, "error": exc, "done": None}, status_code=422)  # fmt: skip
        except (Invalid, Conflict) as exc:
            problem = FormError("구독할 수 없습니다: 입력한 내용을 확인하십시오", str(exc))
            status = 409 if isinstance(exc, Conflict) else 422
            common.for_scripts(request, problem, status)
            return render(request, "warnings/portal_subscribe.html",
                          {**context, "form": shown, "error": problem, "done": None}, status_code=status)  # fmt: skip
        return render(request, "warnings/portal_subscribe.html",
                      {**context, "form": {}, "error": None, "done": result})  # fmt: skip

    def _token_page(request: Request, action: str, tenant: dict[str, Any] | None, **extra: Any) -> Response:
        status = extra.pop("status_code", 200)
        context = {"tenant": tenant, "action": action, "error": None, "done": None, "token": "", **extra}
        return render(request, "warnings/portal_code.html", context, status_code=status)

    def _token_form(request: Request, action: str, code: str) -> Response:
        """The code form of ``action`` (confirm or unsubscribe), prefilled from the link; the chooser first when
        the municipality is not known."""
        with _platform(request).engine.connect() as conn:
            info, tenants = common.portal_tenant(request, conn)
        if info is None:
            return _chooser(request, tenants, action)
        return _token_page(request, action, info, token=code)

    async def _token_submit(request: Request, action: str) -> Response:
        form = await form_data(request)
        platform = _platform(request)
        tenant_id, token = common.text(form, "tenant"), common.text(form, "token")
        with platform.engine.connect() as conn:
            info = next((t for t in accounts.list_tenants(conn) if t["id"] == tenant_id), None)
        if info is None:
            raise NotFound(f"tenant {tenant_id!r} not found")
        try:
            body = common.validated(TokenIn, {"tenant": tenant_id, "token": token})
            with platform.engine.begin() as conn:
                if action == "confirm":
                    sub = residents.confirm(conn, body.tenant, body.token, now_ms())
                else:
                    sub = residents.unsubscribe(conn, body.tenant, body.token)
        except FormError as exc:
            common.for_scripts(request, exc)
            return _token_page(request, action, info, error=exc, token=token, status_code=422)
        except NotFound as exc:
            problem = FormError("코드를 찾을 수 없습니다 (이미 쓰였거나 잘못 입력됨)", str(exc))
            common.for_scripts(request, problem, 404)
            return _token_page(request, action, info, error=problem, token=token, status_code=404)
        return _token_page(request, action, info, done={"status": sub["status"]})

    @pages.get(f"{BASE}/confirm")
    def confirm_form(request: Request, tenant: str | None = None, code: str = "") -> Response:
        return _token_form(request, "confirm", code)

    @pages.post(f"{BASE}/confirm", dependencies=[Depends(public_form)])
    async def confirm_submit(request: Request) -> Response:
        return await _token_submit(request, "confirm")

    @pages.get(f"{BASE}/unsubscribe")
    def unsubscribe_form(request: Request, tenant: str | None = None, code: str = "") -> Response:
        return _token_form(request, "unsubscribe", code)

    @pages.post(f"{BASE}/unsubscribe", dependencies=[Depends(public_form)])
    async def unsubscribe_submit(request: Request) -> Response:
        return await _token_submit(request, "unsubscribe")

    @pages.get(f"{BASE}/warnings.js")
    def script() -> Response:
        return FileResponse(STATIC / "warnings.js", media_type="text/javascript")

    @pages.get(f"{BASE}/warnings.css")
    def stylesheet() -> Response:
        return FileResponse(STATIC / "warnings.css", media_type="text/css")

    return pages

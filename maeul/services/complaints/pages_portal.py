"""The residents' complaints pages (no account): report a problem (map pin, the classifier's suggestion while
typing, similar open reports nearby with "follow this one instead"), track a request's status, and the public
statistics. Reports are stored through the same parser and repository as Open311 ``POST requests``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import Connection, select
from starlette.datastructures import UploadFile

from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql.districts import as_feature_collection, list_districts
from maeul.adapters.sql.errors import NotFound
from maeul.adapters.sql.tables import tenants
from maeul.platform import clock
from maeul.services.complaints import analytics_repo, config_repo, follow, handling, public_stats
from maeul.services.complaints import requests_repo as repo
from maeul.services.complaints.open311.errors import Open311Error
from maeul.services.complaints.open311.params import check_attributes, parse_post
from maeul.services.complaints.photos import PhotoRefused, PhotoStore, clean
from maeul.services.complaints.workflow import LABELS, OPEN, Status
from maeul.web.auth import public_form
from maeul.web.errors import WebRoute, wants_html
from maeul.web.render import render
from maeul.web.security import form_data

BASE = "/portal/complaints"
STATIC = Path(__file__).parent / "static"
PUBLIC_EVENTS = ("created", "status", "answer", "reopen", "merge", "extend", "transfer")
REPORT_FIELDS = ("service_code", "description", "lat", "long", "address_string", "first_name", "last_name", "email",
                 "phone")  # fmt: skip


def _tenant(conn: Connection, tenant: str | None) -> str:
    """The municipality of a portal page: ``?tenant=``, or the only one of the install."""
    tenant_id = tenant or config_repo.only_tenant(conn)
    known = tenant_id and conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first()
    if not tenant_id or not known:
        raise NotFound("choose a municipality (?tenant=...)")
    return tenant_id


class ChooseTenant(Exception):
    """Several municipalities and none chosen: the page asks which."""


def _chosen(conn: Connection, tenant: str | None) -> str:
    """Like ``_tenant``, but with several municipalities and none named, raise :class:`ChooseTenant`."""
    if not tenant and config_repo.only_tenant(conn) is None:
        raise ChooseTenant
    return _tenant(conn, tenant)


def choose(request: Request, path: str) -> Response:
    with request.app.state.platform.engine.connect() as conn:
        rows = conn.execute(select(tenants.c.id, tenants.c.name, tenants.c.name_en).order_by(tenants.c.id)).all()
    return render(request, "complaints/choose.html", {"tenants": [dict(r._mapping) for r in rows], "path": path})


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _suggest(conn: Connection, tenant_id: str, description: str, lat: float | None, lon: float | None,
             code: str | None) -> dict[str, Any]:  # fmt: skip
    """The classifier's category for the text (if the tenant has a model) and similar open requests nearby."""
    from maeul.services.complaints import ai
    from maeul.services.complaints.pages import suggestions

    predicted = None
    try:
        predicted = ai.predict(description, tenant_id) if description.strip() else None
    except Exception:  # a broken model must not stop a resident from reporting
        predicted = None
    categories = {c["code"]: c for c in config_repo.list_categories(conn, tenant_id, active_only=True)}
    category = code if code in categories else (predicted.category if predicted else None)
    similar: list[dict[str, Any]] = []
    if category and lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        for s in suggestions(conn, tenant_id, {"lat": lat, "lon": lon}, description, category):
            row = repo.public_request(conn, tenant_id, int(s.complaint_id))
            if row is not None:
                similar.append({**row, "distance_m": s.distance_m, "score": s.score})
    return {
        "predicted": predicted,
        "predicted_category": categories.get(predicted.category) if predicted else None,
        "similar": similar,
    }


def refused(request: Request, exc: handling.HandlingError) -> Response:
    """A refused form: a page in Korean and English for browsers, the API's error (with the Korean) for scripts."""
    if not wants_html(request):
        raise ApiError(422, "invalid", str(exc), [{"message": str(exc), "message_ko": exc.ko}])
    return render(request, "complaints/refused.html", {"message": str(exc), "message_ko": exc.ko}, status_code=422)


def _history(conn: Connection, tenant_id: str, request_id: int) -> list[dict[str, Any]]:
    """The public part of a request's events: when, what, the status after it and the public text."""
    return [
        {k: e[k] for k in ("at", "kind", "status", "public_text")}
        for e in repo.events_of(conn, tenant_id, request_id)
        if e["kind"] in PUBLIC_EVENTS
    ]


def router() -> APIRouter:
    pages = APIRouter(route_class=WebRoute, include_in_schema=False)

    @pages.get(f"{BASE}/")
    def report_form(
        request: Request, description: str = "", lat: str | None = None, long: str | None = None,
        tenant: str | None = None, service_code: str | None = None,
    ) -> Response:  # fmt: skip
        platform = request.app.state.platform
        latitude, longitude = _float(lat), _float(long)
        with platform.engine.connect() as conn:
            try:
                tenant_id = _chosen(conn, tenant)
            except ChooseTenant:
                return choose(request, f"{BASE}/")
            categories = config_repo.list_categories(conn, tenant_id, active_only=True)
            found = _suggest(conn, tenant_id, description, latitude, longitude, service_code)
        return render(request, "complaints/report.html", {
            "categories": categories, "tenant": tenant_id, **found,
            "form": {"description": description, "lat": latitude, "long": longitude, "service_code": service_code},
            "done": None,
        })  # fmt: skip

    @pages.get(f"{BASE}/suggest")
    def suggest(
        request: Request, tenant: str | None = None, description: str = "", lat: str | None = None,
        long: str | None = None, service_code: str | None = None,
    ) -> Response:  # fmt: skip
        """The htmx fragment under the form: suggested category and similar open reports nearby."""
        platform = request.app.state.platform
        with platform.engine.connect() as conn:
            tenant_id = _tenant(conn, tenant)
            found = _suggest(conn, tenant_id, description[:4000], _float(lat), _float(long), service_code)
        return render(request, "complaints/suggest.html", {"tenant": tenant_id, **found})

    @pages.post(f"{BASE}/", dependencies=[Depends(public_form)])
    async def report_submit(request: Request) -> Response:
        form = await form_data(request)
        platform = request.app.state.platform
        pairs = [
            (k, str(v))
            for k, v in form.items()
            if (k in REPORT_FIELDS or k.startswith("attribute[")) and isinstance(v, str) and v
        ]
        upload = form.get("media")
        photo = None
        try:
            new = parse_post(pairs)
            if isinstance(upload, UploadFile) and upload.filename:
                photo = clean(await upload.read())
        except Open311Error as exc:
            raise handling.HandlingError(str(exc), str(exc)) from None
        except PhotoRefused as exc:
            raise handling.HandlingError(exc.en, exc.ko) from None
        store = PhotoStore(platform.settings.data_dir)
        with platform.engine.begin() as conn:
            tenant_id = str(form.get("tenant") or "") or config_repo.only_tenant(conn)
            category = config_repo.category_by_code(conn, tenant_id, new.service_code) if tenant_id else None
            if tenant_id is None or category is None or not category["active"]:
                raise handling.HandlingError("choose a category", "민원 유형을 고르십시오")
            try:
                attributes = check_attributes(category["attributes"], new.attributes)
            except Open311Error as exc:
                raise handling.HandlingError(str(exc), str(exc)) from None
            from maeul.services.complaints.ports import classifier

            now = clock.now_ms()
            row = repo.create_request(conn, tenant_id, new, category, attributes, now=now,
                                      suggestion=classifier()(tenant_id, new.description or ""))  # fmt: skip
            if photo is not None:
                name = store.save(tenant_id, photo)
                repo.add_photo(conn, tenant_id, row["id"], name, content_type=photo.content_type,
                               size=len(photo.data), width=photo.width, height=photo.height, public=True,
                               event_id=None, now=now)  # fmt: skip
        return render(request, "complaints/report.html", {
            "categories": [], "predicted": None, "similar": [], "tenant": tenant_id, "form": {},
            "done": {"id": row["id"], "token": row.get("token")},
        })  # fmt: skip

    @pages.post(f"{BASE}/follow", dependencies=[Depends(public_form)])
    async def follow_request(request: Request) -> Response:
        """Follow an open request instead of reporting the same problem again."""
        form = await form_data(request)
        platform = request.app.state.platform
        raw_id = str(form.get("request_id") or "")
        if not raw_id.isdigit() or not 0 < int(raw_id) < 2**31:
            return refused(request, handling.HandlingError("choose the request to follow", "따라갈 민원을 고르십시오"))
        try:
            with platform.engine.begin() as conn:
                tenant_id = _tenant(conn, str(form.get("tenant") or "") or None)
                added = follow.follow(conn, tenant_id, int(raw_id), email=str(form.get("email") or ""),
                                      phone=str(form.get("phone") or ""), now=clock.now_ms())  # fmt: skip
        except handling.HandlingError as exc:
            return refused(request, exc)
        return render(request, "complaints/followed.html", {
            "tenant": tenant_id, "request_id": added["request_id"], "token": added["token"],
            "notified": bool(added["email"] or added["phone"]),
        })  # fmt: skip

    @pages.get(f"{BASE}/status")
    def status_page(request: Request, tenant: str | None = None, token: str = "", id: str = "") -> Response:
        """A request's public status and history, by the reporter's or follower's token, or by its number."""
        platform = request.app.state.platform
        found = None
        with platform.engine.connect() as conn:
            try:
                tenant_id = _chosen(conn, tenant)
            except ChooseTenant:
                return choose(request, f"{BASE}/status")
            if token.strip():
                row = follow.request_for_token(conn, tenant_id, token.strip()[:64])
                found = repo.public_request(conn, tenant_id, int(row["id"])) if row else None
            elif id.strip().isdigit() and int(id) < 2**31:
                found = repo.public_request(conn, tenant_id, int(id))
            history = _history(conn, tenant_id, int(found["id"])) if found else []
        asked = bool(token.strip() or id.strip())
        if asked and found is None and not wants_html(request):
            raise NotFound("no request has this tracking code or number")
        return render(request, "complaints/status.html", {
            "tenant": tenant_id, "r": found, "history": history, "asked": asked, "labels": LABELS,
            "open": found is not None and Status(found["status"]) in OPEN, "form": {"token": token, "id": id},
        }, status_code=404 if asked and found is None else 200)  # fmt: skip

    @pages.get(f"{BASE}/stats")
    def stats_page(request: Request, tenant: str | None = None, days: int = 30) -> Response:
        """Aggregate counts anyone may see: no names, no text, counts under 3 suppressed."""
        if days not in public_stats.PERIODS:
            return refused(request, handling.HandlingError("days must be 30 or 90", "기간은 30일 또는 90일입니다"))
        platform = request.app.state.platform
        now = clock.now_ms()
        with platform.engine.connect() as conn:
            try:
                tenant_id = _chosen(conn, tenant)
            except ChooseTenant:
                return choose(request, f"{BASE}/stats")
            locator = analytics_repo.Locator(conn, tenant_id)
            names = analytics_repo.names(conn, tenant_id, locator)
            rows = analytics_repo.stats_rows(conn, tenant_id, now - days * analytics_repo.DAY_MS, locator)
        stats = public_stats.compute(rows, now, days)
        return render(request, "complaints/stats.html", {
            "tenant": tenant_id, "stats": stats, "periods": public_stats.PERIODS, "labels": LABELS,
            "districts": names.districts, "categories": names.categories, "minimum": public_stats.MIN_COUNT,
        })  # fmt: skip

    @pages.get(f"{BASE}/districts.geojson")
    def districts_geojson(request: Request, tenant: str | None = None) -> Response:
        """The municipality's district boundaries (public), for the residents' map."""
        with request.app.state.platform.engine.connect() as conn:
            try:
                tenant_id = _chosen(conn, tenant)
            except ChooseTenant:  # no municipality chosen: nothing to draw
                return JSONResponse({"type": "FeatureCollection", "features": []}, media_type="application/geo+json")
            collection = as_feature_collection(list_districts(conn, tenant_id))
        return JSONResponse(collection, media_type="application/geo+json")

    @pages.get(f"{BASE}/complaints.js")
    def script() -> Response:
        return FileResponse(STATIC / "complaints.js", media_type="text/javascript")

    return pages

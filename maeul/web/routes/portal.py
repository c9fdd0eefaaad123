"""The citizen portal shell: home, "my reports", "my alerts", notification settings. No account needed; the
complaint, warning and benefit services fill these pages with their own sections (their portal nav items)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql import accounts
from maeul.adapters.sql import notifications as notify_repo
from maeul.platform.app import Platform
from maeul.platform.notify.vapid import vapid_public_key
from maeul.web import nav
from maeul.web.errors import WebRoute
from maeul.web.i18n import request_language
from maeul.web.render import render, web_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CORE_PORTAL_PATHS = frozenset(item.path for item in nav.CORE_NAV if item.area == "portal")
TenantQuery = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
log = logging.getLogger("maeul.web")


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _service_links(request: Request) -> list[nav.NavLink]:
    """The portal entries the enabled services add (complaints, warnings, ...)."""
    items = [i for i in nav.visible(web_of(request).nav_items, "portal", None) if i.path not in CORE_PORTAL_PATHS]
    return nav.links(items, request_language(request), request.url.path)


@router.get("/portal")
def portal_home(request: Request) -> Response:
    return render(request, "portal/home.html", {"services": _service_links(request)})


@router.get("/portal/reports")
def my_reports(request: Request) -> Response:
    return render(request, "portal/reports.html", {"services": _service_links(request)})


@router.get("/portal/alerts")
def my_alerts(request: Request) -> Response:
    return render(request, "portal/alerts.html", {"services": _service_links(request)})


def _push_tenant(request: Request, tenants: list[dict[str, Any]]) -> str | None:
    """The municipality whose messages the resident opts in to: ?tenant=..., else the only one there is."""
    ids = [t["id"] for t in tenants]
    chosen = request.query_params.get("tenant")
    if chosen in ids:
        return chosen
    return ids[0] if len(ids) == 1 else None


@router.get("/portal/settings")
def settings_page(request: Request) -> Response:
    with _platform(request).engine.connect() as conn:
        tenants = accounts.list_tenants(conn)
    context = {"tenants": tenants, "push_tenant": _push_tenant(request, tenants)}
    return render(request, "portal/settings.html", context)


@router.get("/portal/push/vapid-public-key")
def public_vapid_key(request: Request, tenant: TenantQuery) -> Response:
    """The tenant's Web Push public key, for residents without an account (public by design: only the public
    half), ``?tenant=<municipality id>``. An unknown municipality and one without Web Push look the same (404)."""
    platform = _platform(request)
    with platform.engine.connect() as conn:
        config = notify_repo.channel_config(conn, tenant).get("webpush")
    if config is None:
        raise ApiError(404, "not_found", "Web Push is not configured for this municipality")
    try:
        key = vapid_public_key(config, platform.settings.data_dir)
    except (OSError, ValueError):
        log.exception("tenant %s: the VAPID key cannot be loaded", tenant)
        raise ApiError(503, "http_error", "the Web Push key cannot be loaded") from None
    return JSONResponse({"public_key": key}, headers={"Cache-Control": "public, max-age=300"})

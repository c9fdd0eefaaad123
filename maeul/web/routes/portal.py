"""The citizen portal shell: home, "my reports", "my alerts", notification settings. No account needed; the
complaint, warning and benefit services fill these pages with their own sections (their portal nav items)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from maeul.web import nav
from maeul.web.errors import WebRoute
from maeul.web.i18n import request_language
from maeul.web.render import render, web_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CORE_PORTAL_PATHS = frozenset(item.path for item in nav.CORE_NAV if item.area == "portal")


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


@router.get("/portal/settings")
def settings_page(request: Request) -> Response:
    return render(request, "portal/settings.html", {})

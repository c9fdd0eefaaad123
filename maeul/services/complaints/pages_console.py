"""Console pages of the complaints analytics: the map of requests (coloured by status or category, filtered,
hotspots drawn) and the analytics page (hotspots and trend alerts, process tables and chart, similar districts
for an action taken in one)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Permission
from maeul.platform import clock
from maeul.services.complaints import analytics, config_repo
from maeul.services.complaints import analytics_repo as repo
from maeul.services.complaints.ai.records import AiInputError
from maeul.services.complaints.workflow import LABELS, Status
from maeul.web.auth import page_user
from maeul.web.errors import WebRoute
from maeul.web.i18n import request_language
from maeul.web.render import render

Staff = Annotated[Actor, Depends(page_user(Permission.READ))]
BASE = "/console/complaints"
PERIODS = (7, 30, 90, 365)
COLOUR_BY = ("status", "category")


def _period(days: int | None, default: int) -> int:
    return days if days in PERIODS else default


def _categories(request: Request, tenant_id: str) -> list[dict[str, Any]]:
    with request.app.state.platform.engine.connect() as conn:
        return config_repo.list_categories(conn, tenant_id)


def router() -> APIRouter:
    pages = APIRouter(route_class=WebRoute, include_in_schema=False)

    @pages.get(f"{BASE}/map")
    def requests_map(
        request: Request, actor: Staff, days: int | None = None, category: str = "", status: str = "",
        colour: str = "status",
    ) -> Response:  # fmt: skip
        days = _period(days, 90)
        categories = _categories(request, actor.tenant_id)
        codes = {c["code"] for c in categories}
        category = category if category in codes else ""
        statuses = ["open", "closed", *(s.value for s in Status)]
        status = status if status in statuses else ""
        colour = colour if colour in COLOUR_BY else "status"
        lang = request_language(request)
        query = urlencode({k: v for k, v in {"days": days, "category": category, "status": status}.items() if v})
        return render(request, "complaints/map.html", {
            "filters": {"days": days, "category": category, "status": status, "colour": colour},
            "categories": categories, "statuses": statuses, "periods": PERIODS, "labels": LABELS,
            "requests_url": f"/api/v1/complaints/analytics/map?{query}&lang={lang}",
            "hotspots_url": "/api/v1/complaints/analytics/hotspots?" + urlencode(
                {k: v for k, v in {"days": min(days, 90), "category": category}.items() if v}),
        })  # fmt: skip

    @pages.get(f"{BASE}/analytics")
    def analytics_page(
        request: Request, actor: Staff, days: int | None = None, district: str = "", category: str = "",
        action: str = "", min_total: int = 10,
    ) -> Response:  # fmt: skip
        platform = request.app.state.platform
        days = _period(days, 90)
        now = clock.now_ms()
        similar = None
        error = None
        with platform.engine.connect() as conn:
            hot = analytics.hotspot_report(conn, actor.tenant_id, now, analytics.HotspotParams(days=min(days, 90)))
            process = analytics.process(conn, actor.tenant_id, now, days)
            locator = repo.Locator(conn, actor.tenant_id)
            names = repo.names(conn, actor.tenant_id, locator)
            categories = config_repo.list_categories(conn, actor.tenant_id)
            if district:
                label = action.strip()[:200] or None
                try:
                    similar = analytics.similar(
                        conn, actor.tenant_id, now, district, category=category or None, days=365,
                        action=(label, label) if label else None, min_total=max(1, min(min_total, 10_000)),
                    )  # fmt: skip
                except AiInputError as exc:
                    error = exc
        series = {
            "labels": [s.key for s in process.by_department],
            "median": [s.median_hours for s in process.by_department],
            "p90": [s.p90_hours for s in process.by_department],
        }
        return render(request, "complaints/analytics.html", {
            "days": days, "periods": PERIODS, "hot": hot, "process": process, "similar": similar, "error": error,
            "districts": sorted(names.districts.items()), "categories": categories, "labels": LABELS,
            "category_names": names.categories,
            "form": {"district": district, "category": category, "action": action, "min_total": min_total},
            "series": json.dumps(series, ensure_ascii=False),
        })  # fmt: skip

    return pages

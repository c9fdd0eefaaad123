"""Console pages of the care service: the live status board, the open responses, the caseworker's field view
(narrow screens: the homes needing a look in their districts, one tap to call up the case), and reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Permission
from maeul.platform.app import Platform
from maeul.services.care.api.deps import districts_filter
from maeul.services.care.core.access import CARE_STAFF
from maeul.services.care.core.status import Status
from maeul.services.care.store import households, responses, rollout
from maeul.web.auth import page_user
from maeul.web.errors import WebRoute
from maeul.web.render import render

ReaderUser = Annotated[Actor, Depends(page_user(Permission.READ))]
StaffUser = Annotated[Actor, Depends(page_user(Permission.READ, roles=CARE_STAFF))]
ORDER = {s.value: s.rank for s in Status}


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def router() -> APIRouter:
    pages = APIRouter(route_class=WebRoute, include_in_schema=False)

    @pages.get("/console/care/")
    def board(request: Request, actor: ReaderUser) -> Response:
        with _platform(request).engine.connect() as conn:
            homes = households.list_households(conn, actor.tenant_id)
        homes.sort(key=lambda h: (-ORDER.get(h["status"] or "normal", 0), h["code"]))
        counts = {s.value: sum(1 for h in homes if h["status"] == s.value) for s in Status}
        labels = {s.value: s.label_ko for s in Status}
        return render(request, "care/board.html", {"homes": homes, "counts": counts, "labels": labels})

    @pages.get("/console/care/responses")
    def open_cases(request: Request, actor: StaffUser) -> Response:
        with _platform(request).engine.connect() as conn:
            rows = responses.list_responses(
                conn, actor.tenant_id, district_codes=districts_filter(conn, actor), open_only=True
            )
        return render(request, "care/responses.html", {"cases": rows})

    @pages.get("/console/care/field")
    def field(request: Request, actor: StaffUser) -> Response:
        with _platform(request).engine.connect() as conn:
            mine = districts_filter(conn, actor)
            homes = households.list_households(conn, actor.tenant_id, district_codes=mine)
            cases = responses.list_responses(conn, actor.tenant_id, district_codes=mine, open_only=True)
        needing = [h for h in homes if h["status"] not in (None, "normal")]
        needing.sort(key=lambda h: -ORDER.get(h["status"], 0))
        labels = {s.value: s.label_ko for s in Status}
        return render(request, "care/field.html", {"homes": needing, "cases": cases, "labels": labels})

    @pages.get("/console/care/reports")
    def reports(request: Request, actor: ReaderUser) -> Response:
        with _platform(request).engine.connect() as conn:
            plans = rollout.plans(conn, actor.tenant_id)
        return render(request, "care/reports.html", {"plans": plans})

    from maeul.services.care import pages_routine

    pages.include_router(pages_routine.router())
    return pages

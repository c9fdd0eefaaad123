"""Console pages of complaints: the queue and a request (history and handling, merge of a suggested duplicate);
the map and analytics pages are in ``pages_console``, the residents' pages in ``pages_portal``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, select

from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql.accounts import Actor
from maeul.adapters.sql.tables import departments
from maeul.core.roles import Permission
from maeul.platform import clock
from maeul.services.complaints import config_repo, handling
from maeul.services.complaints import requests_repo as repo
from maeul.services.complaints.tables import complaints_categories as C
from maeul.services.complaints.tables import complaints_requests as R
from maeul.services.complaints.workflow import OPEN, Status
from maeul.web.auth import page_user
from maeul.web.errors import WebRoute
from maeul.web.render import render
from maeul.web.security import form_data

Staff = Annotated[Actor, Depends(page_user(Permission.READ))]
BASE = "/console/complaints"


def _departments(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(departments.c.id, departments.c.name).where(departments.c.tenant_id == tenant_id))
    return [dict(r._mapping) for r in rows]


def _flag(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get((value or "").lower())


def _handler(actor: Actor) -> None:
    from maeul.services.complaints.api import HANDLERS

    if actor.role not in HANDLERS:
        raise ApiError(403, "forbidden", f"the {actor.role.value} role may not handle complaints")


def _open_nearby(conn: Connection, tenant_id: str, exclude: int | None = None) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(R.c.id, R.c.description, R.c.lat, R.c.lon, R.c.requested_at, C.c.code)
        .join(C, C.c.id == R.c.category_id)
        .where(R.c.tenant_id == tenant_id, R.c.status.in_([s.value for s in OPEN]), R.c.lat.is_not(None))
        .order_by(R.c.id.desc())
        .limit(2000)
    )
    return [dict(r._mapping) for r in rows if r.id != exclude]


def _complaint(row: dict[str, Any], text: str | None = None, category: str | None = None) -> Any:
    from maeul.services.complaints.ai import Complaint

    return Complaint(
        id=str(row.get("id", "new")),
        text=text if text is not None else str(row.get("description") or ""),
        category=category or str(row.get("code") or row.get("service_code") or ""),
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        created_at=datetime.fromtimestamp(int(row.get("requested_at") or clock.now_ms()) / 1000, UTC),
    )


def suggestions(conn: Connection, tenant_id: str, new: dict[str, Any], text: str, category: str) -> list[Any]:
    """Similar open requests nearby (``ai.find_duplicates``), best first."""
    from maeul.services.complaints import ai
    from maeul.services.complaints.ai.taxonomy import related_categories

    if new.get("lat") is None or new.get("lon") is None:
        return []
    candidates = [_complaint(r) for r in _open_nearby(conn, tenant_id, new.get("id"))]
    found: list[Any] = ai.find_duplicates(
        _complaint(new, text, category), candidates, related=related_categories(),
        classifier=ai.current_classifier(tenant_id),
    )  # fmt: skip
    return found


def router() -> APIRouter:
    pages = APIRouter(route_class=WebRoute, include_in_schema=False)

    @pages.get(f"{BASE}/")
    def queue(
        request: Request, actor: Staff, status: str | None = None, overdue: str | None = None,
        triage: str | None = None, department_id: int | None = None,
    ) -> Response:  # fmt: skip
        platform = request.app.state.platform
        with platform.engine.connect() as conn:
            rows = repo.staff_requests(
                conn, actor.tenant_id, now=clock.now_ms(), status=status or None, department_id=department_id,
                overdue=_flag(overdue), needs_triage=_flag(triage),
            )  # fmt: skip
            depts = _departments(conn, actor.tenant_id)
        items = [repo.with_flags(r, clock.now_ms()) for r in rows]
        filters = {
            "status": status or "",
            "overdue": overdue or "",
            "triage": triage or "",
            "department_id": department_id,
        }
        return render(request, "complaints/queue.html", {
            "items": items, "statuses": [s.value for s in Status], "departments": depts, "filters": filters,
        })  # fmt: skip

    @pages.get(f"{BASE}/requests/{{request_id}}")
    def detail(request: Request, request_id: int, actor: Staff) -> Response:
        platform = request.app.state.platform
        with platform.engine.connect() as conn:
            row = repo.get_request(conn, actor.tenant_id, request_id)
            category = config_repo.get_category(conn, actor.tenant_id, int(row["category_id"]))
            events = repo.events_of(conn, actor.tenant_id, request_id)
            similar = []
            if Status(row["status"]) in OPEN:
                similar = suggestions(conn, actor.tenant_id, row, str(row.get("description") or ""), category["code"])
            depts = _departments(conn, actor.tenant_id)
        return render(request, "complaints/request.html", {
            "r": repo.with_flags(row, clock.now_ms()), "category": category, "events": events, "similar": similar,
            "statuses": [s.value for s in Status], "departments": depts,
        })  # fmt: skip

    @pages.post(f"{BASE}/requests/{{request_id}}/{{action}}")
    async def act(request: Request, request_id: int, action: str, actor: Staff) -> Response:
        _handler(actor)
        form = await form_data(request)
        platform = request.app.state.platform
        now = clock.now_ms()
        with platform.engine.begin() as conn:
            tenant, who = actor.tenant_id, actor.user_id
            if action == "status":
                handling.change_status(conn, tenant, request_id, str(form.get("status", "")), actor_id=who, now=now,
                                       public_text=str(form.get("text") or "") or None)  # fmt: skip
            elif action == "assign":
                assignee = str(form.get("assignee_id") or "")
                handling.assign(conn, tenant, request_id, int(assignee) if assignee.isdigit() else None,
                                actor_id=who, now=now)  # fmt: skip
            elif action == "transfer":
                handling.transfer(conn, tenant, request_id, int(str(form.get("department_id") or 0)), actor_id=who,
                                  now=now, reason=str(form.get("reason") or "") or None)  # fmt: skip
            elif action == "answer":
                handling.answer(conn, tenant, request_id, str(form.get("text") or ""), actor_id=who, now=now)
            elif action == "merge":
                handling.merge(conn, tenant, request_id, int(str(form.get("into_id") or 0)), actor_id=who, now=now)
            else:
                raise handling.HandlingError(f"unknown action {action}", "알 수 없는 처리입니다")
        return RedirectResponse(f"{BASE}/requests/{request_id}", status_code=303)

    from maeul.services.complaints import pages_console, pages_portal

    pages.include_router(pages_console.router())
    pages.include_router(pages_portal.router())
    return pages

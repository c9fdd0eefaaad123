"""The alarm inbox: filters, live updates (server-sent events), one alarm with its history and escalation, and
the handling actions (acknowledge, assign, comment, clear) through the API's own route functions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response, StreamingResponse

from maeul.adapters.http.alarm_schemas import AcknowledgeRequest, AssignRequest, CommentRequest
from maeul.adapters.http.deps import IdPath
from maeul.adapters.http.errors import ApiError
from maeul.adapters.http.routes import alarms as alarm_routes
from maeul.adapters.http.schemas import INT32_MAX
from maeul.adapters.sql import accounts
from maeul.adapters.sql import alarms as alarm_repo
from maeul.adapters.sql import notifications as notify_repo
from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Permission
from maeul.platform.app import Platform
from maeul.web import queries
from maeul.web.auth import page_user
from maeul.web.errors import WebRoute
from maeul.web.render import render
from maeul.web.security import form_data

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReaderUser = Annotated[Actor, Depends(page_user(Permission.READ))]
HandlerUser = Annotated[Actor, Depends(page_user(Permission.READ, roles=alarm_routes.HANDLERS))]
PAGE_SIZE = 50
POLL_S = 1.0
KEEPALIVE_S = 15.0
Severity = Literal["critical", "major", "minor", "warning", "indeterminate"]


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _filters(
    status: Literal["active", "cleared", "all"] = Query(default="active"),
    acknowledged: Literal["", "yes", "no"] = Query(default=""),
    severity: Literal["", "critical", "major", "minor", "warning", "indeterminate"] = Query(default=""),
    type: str = Query(default="", max_length=100),
    mine: bool = Query(default=False),
    offset: int = Query(default=0, ge=0, le=INT32_MAX),
) -> dict[str, Any]:
    return {
        "status": status,
        "acknowledged": acknowledged,
        "severity": severity,
        "type": type,
        "mine": mine,
        "offset": offset,
    }


Filters = Annotated[dict[str, Any], Depends(_filters)]


def _rows(platform: Platform, actor: Actor, f: dict[str, Any]) -> dict[str, Any]:
    with platform.engine.connect() as conn:
        rows = alarm_repo.list_alarms(
            conn,
            actor.tenant_id,
            active=None if f["status"] == "all" else f["status"] == "active",
            acknowledged=None if not f["acknowledged"] else f["acknowledged"] == "yes",
            severity=f["severity"] or None,
            alarm_type=f["type"] or None,
            assignee_id=actor.user_id if f["mine"] else None,
            limit=PAGE_SIZE + 1,
            offset=f["offset"],
        )
        users = {u["id"]: u for u in accounts.list_users(conn, actor.tenant_id)}
    query = {k: v for k, v in f.items() if v and k != "offset"}

    def page_url(offset: int) -> str:
        return "/console/alarms?" + urlencode({**query, "offset": offset})

    return {
        "alarms": rows[:PAGE_SIZE],
        "users": {uid: u.get("display_name") or u["username"] for uid, u in users.items()},
        "filters": f,
        "prev_url": page_url(max(0, f["offset"] - PAGE_SIZE)) if f["offset"] else None,
        "next_url": page_url(f["offset"] + PAGE_SIZE) if len(rows) > PAGE_SIZE else None,
    }


@router.get("/console/alarms")
def inbox(request: Request, actor: ReaderUser, filters: Filters) -> Response:
    return render(request, "console/alarms.html", _rows(_platform(request), actor, filters))


@router.get("/console/alarms/rows")
def inbox_rows(request: Request, actor: ReaderUser, filters: Filters) -> Response:
    """The inbox table alone (htmx swaps it in when the live feed says something changed)."""
    return render(request, "console/alarm_rows.html", _rows(_platform(request), actor, filters))


@router.get("/console/alarms/stream")
async def stream(
    request: Request, actor: ReaderUser, max_s: float = Query(default=25.0, ge=0, le=3600)
) -> StreamingResponse:
    """Server-sent events: an ``alarms`` event whenever the tenant's alarms change. The stream ends after ``max_s``
    seconds and the browser reconnects at once (so a stopping server never waits long for it); ``max_s=0`` sends
    the current state once."""
    platform = _platform(request)
    tenant_id = actor.tenant_id

    def cursor() -> tuple[int, int]:
        with platform.engine.connect() as conn:
            return queries.alarm_cursor(conn, tenant_id)

    async def events() -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        last = await run_in_threadpool(cursor)
        quiet_since = started
        yield b"retry: 2000\n"
        yield b"event: alarms\ndata: " + orjson.dumps({"changed": False, "cursor": list(last)}) + b"\n\n"
        while loop.time() - started < max_s:
            await asyncio.sleep(POLL_S)
            if await request.is_disconnected():
                return
            now = await run_in_threadpool(cursor)
            if now != last:
                last = now
                quiet_since = loop.time()
                yield b"event: alarms\ndata: " + orjson.dumps({"changed": True, "cursor": list(now)}) + b"\n\n"
            elif loop.time() - quiet_since > KEEPALIVE_S:
                quiet_since = loop.time()
                yield b": keep-alive\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _detail_context(platform: Platform, actor: Actor, alarm_id: int) -> dict[str, Any]:
    with platform.engine.connect() as conn:
        detail = alarm_routes._detail(conn, actor.tenant_id, alarm_id)
        users = accounts.list_users(conn, actor.tenant_id)
        escalation = []
        if actor.role in alarm_routes.HANDLERS:
            escalation = notify_repo.list_notifications(conn, actor.tenant_id, alarm_id=alarm_id, limit=100)
    names = {u["id"]: u.get("display_name") or u["username"] for u in users}
    return {
        "alarm": detail,
        "users": names,
        "assignable": [(u["id"], names[u["id"]]) for u in users if u["active"]],
        "escalation": escalation,
        "can_handle": actor.role in alarm_routes.HANDLERS,
        "error": None,
    }


@router.get("/console/alarms/{alarm_id}")
def alarm_detail(alarm_id: IdPath, request: Request, actor: ReaderUser) -> Response:
    return render(request, "console/alarm.html", _detail_context(_platform(request), actor, alarm_id))


@router.post("/console/alarms/{alarm_id}/action")
async def alarm_action(alarm_id: IdPath, request: Request, actor: HandlerUser) -> Response:
    """One handling step from the page: ``action`` is acknowledge, assign, comment or clear."""
    form = await form_data(request)
    platform = _platform(request)
    action = form.get("action")
    text = form.get("text") if isinstance(form.get("text"), str) else None

    def run() -> None:
        try:
            if action == "acknowledge":
                alarm_routes.acknowledge(
                    alarm_id, actor, platform, AcknowledgeRequest(text=(text or "").strip() or None)
                )
            elif action == "clear":
                alarm_routes.clear(alarm_id, actor, platform)
            elif action == "comment":
                alarm_routes.add_comment(alarm_id, CommentRequest(text=text or ""), actor, platform)
            elif action == "assign":
                raw = form.get("assignee_id")
                assignee = int(raw) if isinstance(raw, str | int) and str(raw).strip().isdigit() else None
                alarm_routes.assign(alarm_id, AssignRequest(assignee_id=assignee), actor, platform)
            else:
                raise ApiError(422, "invalid", "action must be acknowledge, assign, comment or clear")
        except ValidationError as exc:
            messages = "; ".join(str(e.get("msg", "")) for e in exc.errors())
            raise ApiError(422, "invalid", f"the {action} form is not valid: {messages}") from None

    await run_in_threadpool(run)
    if request.headers.get("hx-request") == "true":
        return render(request, "console/alarm_panel.html", _detail_context(platform, actor, alarm_id))
    return RedirectResponse(f"/console/alarms/{alarm_id}", status_code=303)

"""Console pages of devices: the list (state, district, profile, paging) and one device (latest values, chart,
status, credentials, dead letters). Everything is read through the API's repositories and route functions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from maeul.adapters.http.deps import IdPath
from maeul.adapters.http.routes import dead_letters as dead_letter_routes
from maeul.adapters.http.routes import devices as device_routes
from maeul.adapters.http.schemas import INT32_MAX
from maeul.adapters.sql import alarms as alarm_repo
from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql import telemetry_query as tq
from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Permission, allows
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.web import queries
from maeul.web.auth import page_user
from maeul.web.device_state import device_state
from maeul.web.errors import WebRoute
from maeul.web.render import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReaderUser = Annotated[Actor, Depends(page_user(Permission.READ))]
DeviceManagerUser = Annotated[Actor, Depends(page_user(Permission.MANAGE_DEVICES))]
PAGE_SIZE = 50


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


@router.get("/console/devices")
def device_list(
    request: Request,
    actor: ReaderUser,
    district: str | None = Query(default=None, max_length=20),
    profile: int | None = Query(default=None, ge=1, le=INT32_MAX),
    offset: int = Query(default=0, ge=0, le=INT32_MAX),
) -> Response:
    platform = _platform(request)
    now = now_ms()
    with platform.engine.connect() as conn:
        rows = device_repo.list_devices(
            conn,
            actor.tenant_id,
            district_code=district or None,
            profile_id=profile,
            limit=PAGE_SIZE + 1,
            offset=offset,
        )
        seen = queries.last_seen(conn, actor.tenant_id)
        alarms = queries.active_alarm_counts(conn, actor.tenant_id)
        profiles = device_repo.list_profiles(conn, actor.tenant_id)
        districts = district_repo.list_districts(conn, actor.tenant_id)
    items = [
        {
            **row,
            "state": device_state(seen.get(row["id"]), now, alarms.get(row["id"], 0)),
            "last_ts": seen.get(row["id"]),
        }
        for row in rows[:PAGE_SIZE]
    ]
    filters = {k: v for k, v in {"district": district, "profile": profile}.items() if v}

    def page_url(new_offset: int) -> str:
        return "/console/devices?" + urlencode({**filters, "offset": new_offset})

    context = {
        "devices": items,
        "profiles": {p["id"]: p["name"] for p in profiles},
        "districts": [(d.code, d.name, d.name_en) for d in districts],
        "district_names": {d.code: (d.name, d.name_en or d.name) for d in districts},
        "district": district or "",
        "profile": profile or "",
        "prev_url": page_url(max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        "next_url": page_url(offset + PAGE_SIZE) if len(rows) > PAGE_SIZE else None,
    }
    return render(request, "console/devices.html", context)


def _device_context(platform: Platform, actor: Actor, device_id: int) -> dict[str, Any]:
    with platform.engine.connect() as conn:
        device = device_repo.get_device(conn, actor.tenant_id, device_id)
        profile = device_repo.get_profile(conn, actor.tenant_id, device["profile_id"])
        latest = tq.latest(conn, device_id)
        keys = tq.device_keys(conn, device_id)
        active = alarm_repo.list_alarms(
            conn, actor.tenant_id, active=True, originator_kind="device", originator_id=device_id, limit=20
        )
        letters = dead_letter_routes.list_dead_letters(
            actor, conn, device_id=device_id, source=None, limit=20, offset=0
        )
    state = device_state(max((v["ts"] for v in latest.values()), default=None), now_ms(), len(active))
    numeric = [k["key"] for k in profile.get("keys", []) if k.get("type") in ("number", "boolean")]
    chart_keys = [k for k in numeric if k in keys] + [k for k in keys if k not in numeric]
    return {
        "device": device,
        "profile": profile,
        "latest": sorted(latest.items()),
        "chart_keys": chart_keys,
        "active_alarms": active,
        "dead_letters": letters.items,
        "state": state,
        "can_manage": allows(actor.role, Permission.MANAGE_DEVICES),
        "credentials": None,
    }


@router.get("/console/devices/{device_id}")
def device_detail(device_id: IdPath, request: Request, actor: ReaderUser) -> Response:
    return render(request, "console/device.html", _device_context(_platform(request), actor, device_id))


@router.get("/console/devices/{device_id}/latest")
def device_latest(device_id: IdPath, request: Request, actor: ReaderUser) -> Response:
    """The latest values as a table fragment (htmx polls it for the live view)."""
    with _platform(request).engine.connect() as conn:
        device_repo.get_device(conn, actor.tenant_id, device_id)
        latest = tq.latest(conn, device_id)
    return render(request, "console/device_latest.html", {"latest": sorted(latest.items()), "device_id": device_id})


@router.post("/console/devices/{device_id}/rotate-token")
def rotate_token(device_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    """A new device secret (shown once on the page); the old one stops working."""
    platform = _platform(request)
    credentials = device_routes.rotate_token(device_id, actor, platform)
    context = _device_context(platform, actor, device_id)
    context["credentials"] = credentials
    return render(request, "console/device.html", context, headers={"Cache-Control": "no-store"})

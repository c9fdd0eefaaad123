"""The console's start page: the map of the municipality (districts, devices by state) and the alarm summary."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Permission
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.web import queries
from maeul.web.auth import page_user
from maeul.web.device_state import DeviceState, device_state, state_label
from maeul.web.errors import WebRoute
from maeul.web.i18n import request_language
from maeul.web.render import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReaderUser = Annotated[Actor, Depends(page_user(Permission.READ))]
MAX_MAP_DEVICES = 10_000


def device_states(platform: Platform, tenant_id: str) -> list[dict[str, Any]]:
    """Every device of the tenant with its state and last reading time."""
    now = now_ms()
    with platform.engine.connect() as conn:
        rows = device_repo.list_devices(conn, tenant_id, limit=MAX_MAP_DEVICES, offset=0)
        seen = queries.last_seen(conn, tenant_id)
        alarms = queries.active_alarm_counts(conn, tenant_id)
    out = []
    for row in rows:
        state = device_state(seen.get(row["id"]), now, alarms.get(row["id"], 0))
        out.append({**row, "state": state, "last_ts": seen.get(row["id"]), "active_alarms": alarms.get(row["id"], 0)})
    return out


@router.get("/console")
def console_home(request: Request, actor: ReaderUser) -> Response:
    platform: Platform = request.app.state.platform
    states = device_states(platform, actor.tenant_id)
    counts = {state.value: 0 for state in DeviceState}
    for item in states:
        counts[item["state"].value] += 1
    with platform.engine.connect() as conn:
        summary = queries.alarm_summary(conn, actor.tenant_id)
    return render(request, "console/home.html", {"counts": counts, "summary": summary, "total": len(states)})


@router.get("/console/map/devices.geojson")
def devices_geojson(request: Request, actor: ReaderUser) -> Response:
    """The tenant's located devices as GeoJSON points with their state (for the map component)."""
    language = request_language(request)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
            "properties": {
                "id": item["id"],
                "name": item["name"],
                "state": item["state"].value,
                "state_label": state_label(item["state"], language),
                "district_code": item["district_code"],
                "last_ts": item["last_ts"],
            },
        }
        for item in device_states(request.app.state.platform, actor.tenant_id)
        if item["lon"] is not None and item["lat"] is not None
    ]
    return JSONResponse({"type": "FeatureCollection", "features": features}, media_type="application/geo+json")

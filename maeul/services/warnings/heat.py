"""Heat-wave days for other services (the care service raises indoor heat sooner on such days).

A heat warning is a warning of a ``heat`` station (the apparent temperature), or a manual warning whose event is a
heat wave (``Heat…`` in English or ``폭염`` in Korean, as the operator named it). A district has a heat-wave day
when a heat warning covering it is active at ``min_stage`` or above, or reached that stage in a message sent since
``since_ms`` (the caller passes the local midnight: a heat-wave day stays one after the warning ends in the
evening). The default stage is 주의 (caution): the heat stations' 33 °C apparent temperature, the level of the
Korea Meteorological Administration's 폭염주의보. Exercises and tests (CAP status other than Actual) never count.
"""

from __future__ import annotations

import contextlib
from typing import Any

from shapely.geometry import shape
from sqlalchemy import Connection, func, or_, select

from maeul.adapters.sql import districts as district_repo
from maeul.services.warnings.core import areas
from maeul.services.warnings.core.stages import CAUTION
from maeul.services.warnings.tables import alerts, messages, stations

HEAT_KIND = "heat"


def _is_heat(alert: dict[str, Any], kind: str | None) -> bool:
    if alert["station_id"] is not None:
        return kind == HEAT_KIND
    return str(alert["event_en"]).strip().lower().startswith("heat") or "폭염" in str(alert["event_ko"])


def heat_wave_districts(conn: Connection, tenant_id: str, *, since_ms: int, min_stage: int = CAUTION) -> dict[str, int]:
    """District code → the highest stage of the heat warnings that make it a heat-wave day (see the module)."""
    reached = dict(
        conn.execute(
            select(messages.c.alert_id, func.max(messages.c.stage))
            .where(messages.c.tenant_id == tenant_id, messages.c.sent_ms >= since_ms, messages.c.stage >= min_stage)
            .group_by(messages.c.alert_id)
        ).all()
    )
    active_now = (alerts.c.active.is_(True)) & (alerts.c.stage >= min_stage)
    rows = conn.execute(
        select(alerts, stations.c.kind)
        .outerjoin(stations, stations.c.id == alerts.c.station_id)
        .where(
            alerts.c.tenant_id == tenant_id,
            alerts.c.status == "Actual",
            or_(active_now, alerts.c.id.in_(sorted(reached))) if reached else active_now,
        )
    ).mappings()
    out: dict[str, int] = {}
    shapes: list[tuple[str, Any]] | None = None
    for row in rows:
        alert = dict(row)
        if not _is_heat(alert, alert["kind"]):
            continue
        stage = max(int(reached.get(alert["id"], 0)), int(alert["stage"]) if alert["active"] else 0)
        codes = set(alert["district_codes"] or [])
        if alert["polygon"] is not None:
            if shapes is None:
                shapes = [(d.code, shape(d.geometry)) for d in district_repo.list_districts(conn, tenant_id)]
            with contextlib.suppress(areas.AreaError):  # a polygon that cannot be read: its codes still count
                codes.update(areas.districts_touched(areas.polygon_from_geojson(alert["polygon"]), shapes))
        for code in codes:
            out[code] = max(out.get(code, 0), stage)
    return out

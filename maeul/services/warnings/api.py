"""Operators' API of the warnings service: stations, warnings (manual or from stations), shelters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from maeul.adapters.http.deps import DeviceManager, IdPath, PlatformDep, ReadConn, Reader
from maeul.platform.clock import now_ms
from maeul.services.warnings import alerts, manual, residents, shelter_store, shelter_upload, stations
from maeul.services.warnings.runtime import engine_for
from maeul.services.warnings.schemas import CancelIn, ManualAlertIn, StageChangeIn, StationIn, StationPatch

HOUR = 3_600_000


def router() -> APIRouter:
    r = APIRouter(prefix="/api/v1/warnings", tags=["warnings"])

    @r.get("/stations")
    def list_stations(actor: Reader, conn: ReadConn) -> dict[str, Any]:
        """The tenant's stations with their current stage (0 정상, 1 관심, 2 주의, 3 경계, 4 심각)."""
        return {"items": stations.list_stations(conn, actor.tenant_id)}

    @r.post("/stations", status_code=status.HTTP_201_CREATED)
    def create_station(body: StationIn, actor: DeviceManager, platform: PlatformDep) -> dict[str, Any]:
        """A station and its device (of the kind's profile, created on first use); the device token is shown once."""
        with platform.engine.begin() as conn:
            station, token = stations.create_station(conn, actor.tenant_id, now=now_ms(), **body.model_dump())
        engine_for(platform).invalidate()
        return {**station, "device_token": token}

    @r.get("/stations/{station_id}")
    def get_station(station_id: IdPath, actor: Reader, conn: ReadConn) -> dict[str, Any]:
        """The station, its stage with the last assessment (value, trend, forecast), and the last 24 h of readings."""
        station = stations.get_station(conn, actor.tenant_id, station_id)
        since = (station["last_ts"] or now_ms()) - 24 * HOUR
        station["readings"] = stations.recent_readings(conn, station["device_id"], station["stage_key"], since, 1440)
        return station

    @r.patch("/stations/{station_id}")
    def patch_station(
        station_id: IdPath, body: StationPatch, actor: DeviceManager, platform: PlatformDep
    ) -> dict[str, Any]:
        """Change the name, the warning area or the stage configuration (thresholds, band, hold, forecast)."""
        with platform.engine.begin() as conn:
            return stations.update_station(
                conn, actor.tenant_id, station_id, body.model_dump(exclude_unset=True), now_ms()
            )

    @r.get("/alerts")
    def list_alerts(actor: Reader, conn: ReadConn, active: Annotated[bool | None, Query()] = None) -> dict[str, Any]:
        """Warnings, newest first (``active=true``: those not yet cleared)."""
        return {"items": alerts.list_alerts(conn, actor.tenant_id, active)}

    @r.post("/alerts", status_code=status.HTTP_201_CREATED)
    def manual_alert(body: ManualAlertIn, actor: DeviceManager, platform: PlatformDep) -> dict[str, Any]:
        """An operator's warning to districts or a drawn polygon: a CAP Alert, sent to the residents at once."""
        return manual.issue(platform, actor, body)

    @r.get("/alerts/{alert_id}")
    def get_alert(alert_id: IdPath, actor: Reader, conn: ReadConn) -> dict[str, Any]:
        """The warning and its CAP messages (Alert, Updates, Cancel) with how many residents each reached."""
        return alerts.alert_with_messages(conn, actor.tenant_id, alert_id)

    @r.post("/alerts/{alert_id}/update")
    def update_alert(
        alert_id: IdPath, body: StageChangeIn, actor: DeviceManager, platform: PlatformDep
    ) -> dict[str, Any]:
        """Raise or lower the stage: a CAP Update referencing the earlier messages."""
        return manual.change(platform, actor, alert_id, body)

    @r.post("/alerts/{alert_id}/cancel")
    def cancel_alert(alert_id: IdPath, body: CancelIn, actor: DeviceManager, platform: PlatformDep) -> dict[str, Any]:
        """The all-clear: a CAP Cancel referencing every earlier message of the warning."""
        return manual.change(platform, actor, alert_id, body)

    @r.get("/shelters")
    def list_shelters(
        actor: Reader, conn: ReadConn, kind: Annotated[str | None, Query(max_length=12)] = None
    ) -> dict[str, Any]:
        """Heat and cold shelters and evacuation sites."""
        return {"items": shelter_store.list_shelters(conn, actor.tenant_id, kind)}

    @r.put(
        "/shelters",
        openapi_extra={
            "requestBody": {
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/geo+json": {"schema": {"type": "object"}},
                },
                "required": True,
            }
        },
    )
    async def replace_shelters(request: Request, actor: DeviceManager, platform: PlatformDep) -> dict[str, int]:
        """Replace the shelters with a CSV (name,kind,lon,lat[,name_en,capacity,hours,address]) or a GeoJSON
        FeatureCollection of Points; with any bad row nothing is imported and every problem is listed."""
        body = await request.body()
        items = shelter_upload.parse_upload(body, "csv" in request.headers.get("content-type", ""))
        with platform.engine.begin() as conn:
            return {"imported": shelter_store.replace_shelters(conn, actor.tenant_id, items, now_ms())}

    @r.get("/subscribers/summary")
    def subscribers_summary(actor: Reader, conn: ReadConn) -> dict[str, int]:
        """How many residents subscribed (by status); never who."""
        return residents.counts(conn, actor.tenant_id)

    return r

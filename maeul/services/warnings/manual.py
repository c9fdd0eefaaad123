"""Operators' warnings (issue, update, all-clear), shared by the API and the console's forms."""

from __future__ import annotations

from typing import Any

from maeul.adapters.sql.accounts import Actor
from maeul.adapters.sql.errors import Invalid
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.services.warnings import alerts, stations
from maeul.services.warnings.core import areas
from maeul.services.warnings.schemas import CancelIn, ManualAlertIn, StageChangeIn


def check_area(platform: Platform, tenant_id: str, codes: list[str], polygon: dict[str, Any] | None) -> None:
    if not codes and polygon is None:
        raise Invalid("a warning needs district_codes or a polygon")
    if polygon is not None:
        try:
            areas.polygon_from_geojson(polygon)
        except areas.AreaError as exc:
            raise Invalid(str(exc)) from None
    with platform.engine.connect() as conn:
        stations.check_districts(conn, tenant_id, codes)


def issue(platform: Platform, actor: Actor, body: ManualAlertIn) -> dict[str, Any]:
    """A CAP Alert to districts or a drawn polygon, sent to the residents at once; the warning with its messages."""
    values = body.model_dump(exclude={"stage", "note_ko", "note_en"})
    check_area(platform, actor.tenant_id, body.district_codes, body.polygon)
    with platform.engine.begin() as conn:
        alert, message = alerts.start_alert(
            conn,
            actor.tenant_id,
            {**values, "origin": "manual", "created_by": actor.user_id},
            body.stage,
            now_ms(),
            note=(body.note_ko, body.note_en),
        )
        return {**alerts.alert_with_messages(conn, actor.tenant_id, alert["id"]), "sent": message}


def change(platform: Platform, actor: Actor, alert_id: int, body: StageChangeIn | CancelIn) -> dict[str, Any]:
    """A CAP Update to the new stage, or (CancelIn) the all-clear; the warning with its messages."""
    stage = body.stage if isinstance(body, StageChangeIn) else 0
    with platform.engine.begin() as conn:
        alert = alerts.get_alert_row(conn, actor.tenant_id, alert_id)
        _, message = alerts.change_stage(conn, alert, stage, now_ms(), note=(body.note_ko, body.note_en))
        return {**alerts.alert_with_messages(conn, actor.tenant_id, alert_id), "sent": message}

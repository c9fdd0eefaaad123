"""Heat-wave days on a real database: which districts the weather warnings make heat-wave days, the runtime telling
the hubs of those districts (once, and again when the day is over), and end to end a hot home on such a day
raised as a warning, with a response opened and the family told at the level they chose."""

from __future__ import annotations

import time
from typing import Any

import pytest
from care_support import D1, D2, CareTown, ok, send
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from maeul.adapters.sql.alarm_tables import alarms
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.adapters.sql.tables import telemetry
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.services.care.core.heat import flag_changes, local_midnight_ms
from maeul.services.care.runtime import runtime_of
from maeul.services.warnings import alerts as warning_alerts
from maeul.services.warnings.heat import heat_wave_districts
from maeul.services.warnings.tables import messages

HOUR = 3_600_000
IN_D2 = {"type": "Polygon", "coordinates": [[[127.31, 37.61], [127.32, 37.61], [127.32, 37.62], [127.31, 37.61]]]}
MANUAL_HEAT = {"origin": "manual", "category": "Met", "event_ko": "폭염", "event_en": "Heat wave", "created_by": None}


def _warn(
    platform: Platform,
    tenant: str,
    stage: int,
    *,
    codes: list[str] | None = None,
    polygon: dict[str, Any] | None = None,
    status: str = "Actual",
    event: tuple[str, str] = ("폭염", "Heat wave"),
) -> dict[str, Any]:
    values = {
        **MANUAL_HEAT,
        "event_ko": event[0],
        "event_en": event[1],
        "status": status,
        "district_codes": codes or [],
        "polygon": polygon,
    }
    with platform.engine.begin() as conn:
        alert, _ = warning_alerts.start_alert(conn, tenant, values, stage, now_ms())
    return alert


def _end(platform: Platform, alert: dict[str, Any], *, days_ago: int = 0) -> None:
    """The all-clear; ``days_ago``: as if the whole warning had been sent that many days ago."""
    with platform.engine.begin() as conn:
        warning_alerts.change_stage(conn, alert, 0, now_ms())
        if days_ago:
            earlier = messages.c.sent_ms - days_ago * 24 * HOUR
            conn.execute(update(messages).where(messages.c.alert_id == alert["id"]).values(sent_ms=earlier))


def _districts(platform: Platform, tenant: str) -> dict[str, int]:
    with platform.engine.connect() as conn:
        return heat_wave_districts(conn, tenant, since_ms=local_midnight_ms(now_ms(), "Asia/Seoul"))


@pytest.mark.parametrize(
    ("warning", "expected"),
    [
        ({"stage": 2, "codes": [D1]}, {D1: 2}),
        ({"stage": 3, "codes": [D1, D2]}, {D1: 3, D2: 3}),
        ({"stage": 1, "codes": [D1]}, {}),  # 관심 (interest) only: not yet a heat wave
        ({"stage": 4, "codes": [D1], "status": "Exercise"}, {}),  # exercises never count
        ({"stage": 4, "codes": [D1], "event": ("호우", "Heavy rain")}, {}),  # not a heat warning
        ({"stage": 2, "polygon": IN_D2}, {D2: 2}),  # a drawn area
    ],
)
def test_which_districts_have_a_heat_wave_day(
    platform: Platform, town: CareTown, warning: dict[str, Any], expected: dict[str, int]
) -> None:
    _warn(platform, town.tenant.id, **warning)
    assert _districts(platform, town.tenant.id) == expected


def test_a_heat_wave_day_lasts_until_midnight(platform: Platform, town: CareTown) -> None:
    today = _warn(platform, town.tenant.id, 2, codes=[D1])
    _end(platform, today)
    assert _districts(platform, town.tenant.id) == {D1: 2}  # ended this evening: still a heat-wave day
    yesterday = _warn(platform, town.tenant.id, 3, codes=[D2])
    _end(platform, yesterday, days_ago=1)
    assert _districts(platform, town.tenant.id) == {D1: 2}


@pytest.mark.parametrize(
    ("desired", "current", "changes"),
    [
        ({1: True}, {}, {1: True}),
        ({1: True}, {1: 1.0}, {}),
        ({1: False}, {}, {}),  # never told: off already
        ({1: False}, {1: 1.0}, {1: False}),
        ({1: True, 2: False}, {1: 0.0, 2: 0.0, 3: 1.0}, {1: True}),  # a hub not listed is left alone
    ],
)
def test_flag_changes(desired: dict[int, bool], current: dict[int, float], changes: dict[int, bool]) -> None:
    assert flag_changes(desired, current) == changes


def _hub(client: TestClient, town: CareTown, household_id: int) -> dict[str, Any]:
    [hub] = ok(
        client.post(f"/api/v1/care/households/{household_id}/devices", json={"kinds": ["hub"]}, headers=town.admin), 201
    )
    return dict(hub)


def _flags(platform: Platform, device_id: int) -> list[float]:
    """Every ``heat_wave`` value the hub was sent, oldest first (the runtime's own ticks may send them too)."""
    with platform.engine.connect() as conn:
        return list(
            conn.execute(
                select(telemetry.c.value_num)
                .where(telemetry.c.device_id == device_id, telemetry.c.key == "heat_wave")
                .order_by(telemetry.c.ts)
            ).scalars()
        )


def test_the_runtime_tells_the_hubs_of_the_district(client: TestClient, platform: Platform, town: CareTown) -> None:
    hub = _hub(client, town, town.home["id"])
    body = {"code": "H002", "district_code": D2, "address": "경기도 남양주시 와부읍 1"}
    other_home = ok(client.post("/api/v1/care/households", json=body, headers=town.admin), 201)
    other_hub = _hub(client, town, other_home["id"])
    runtime = runtime_of(platform)
    assert runtime is not None
    runtime.sync_heat_waves()
    assert _flags(platform, hub["id"]) == [] and _flags(platform, other_hub["id"]) == []  # no heat warning
    alert = _warn(platform, town.tenant.id, 2, codes=[D1])
    runtime.sync_heat_waves()
    runtime.sync_heat_waves()
    assert _flags(platform, hub["id"]) == [1.0] and _flags(platform, other_hub["id"]) == []  # told once
    _end(platform, alert, days_ago=1)  # the warning and its all-clear were yesterday's
    runtime.sync_heat_waves()
    assert _flags(platform, hub["id"]) == [1.0, 0.0] and _flags(platform, other_hub["id"]) == []


def _family(client: TestClient, town: CareTown, level: str, phone: str) -> int:
    kin = {"name": "가족", "phone": phone, "preferences": {"events": ["closed"], "channel": "sms", "level": level}}
    created = ok(client.post(f"/api/v1/care/households/{town.home['id']}/family", json=kin, headers=town.admin), 201)
    return int(created["id"])


def test_a_hot_home_on_a_heat_wave_day_is_a_warning(client: TestClient, platform: Platform, town: CareTown) -> None:
    hub = _hub(client, town, town.home["id"])
    near = _family(client, town, "attention", "010-0000-0011")
    far = _family(client, town, "danger", "010-0000-0012")
    now = now_ms()
    send(client, hub, [{"ts": now - (40 - m) * 60_000, "values": {"temperature": 27.5}} for m in range(0, 41, 10)])
    _warn(platform, town.tenant.id, 2, codes=[D1])
    runtime = runtime_of(platform)
    assert runtime is not None
    runtime.sync_heat_waves()
    assert _flags(platform, hub["id"]) == [1.0]
    row: Any = None
    for _ in range(400):  # the rule runner evaluates on its own thread: poll (no timing is asserted)
        with platform.engine.connect() as conn:
            row = conn.execute(
                select(alarms).where(alarms.c.type == "care_environment", alarms.c.cleared.is_(False))
            ).first()
        if row is not None and row.details.get("values", {}).get("status") == "warning":
            break
        time.sleep(0.05)
    assert row is not None, "no environment alarm"
    assert row.details["values"]["status"] == "warning" and "heat-wave day" in row.details["en"]
    home = ok(client.get(f"/api/v1/care/households/{town.home['id']}", headers=town.admin))
    assert home["status"] == "warning" and "폭염" in home["reason_ko"]
    [case] = ok(client.get("/api/v1/care/responses?open=true", headers=town.admin))["items"]
    assert case["alarm_type"] == "care_environment"
    with platform.engine.connect() as conn:
        told = [i for i in conn.execute(select(notify_outbox.c.id)).scalars() if ".care." in i]
    assert [i.split(".")[3:5] for i in told] == [["warning", f"f{near}"]] and f"f{far}" not in str(told)

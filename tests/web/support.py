"""A small populated tenant for the page tests: a district, a profile with a rule, a located device with
readings, a dead letter and an active alarm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from maeul.adapters.sql import accounts
from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql import rules as rule_repo
from maeul.adapters.sql.alarms import raise_alarm
from maeul.core.alarms import Occurrence, Severity
from maeul.core.districts import parse_feature_collection
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms


@dataclass
class Town:
    tenant: str
    device: dict[str, Any]
    token: str
    alarm: dict[str, Any]
    marker: str


def square(code: str, name: str, lon: float, lat: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "name_en": f"{name}-en"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


def build_town(platform: Platform, tenant: str, marker: str, readings: bool = True) -> Town:
    keys = [
        {"key": "temperature", "type": "number", "unit": "°C", "min": -40, "max": 80},
        {"key": "motion", "type": "boolean"},
    ]
    with platform.engine.begin() as conn:
        items, errors = parse_feature_collection(square("3100000", f"{marker}-dong", 127.2, 37.6))
        assert not errors
        district_repo.replace_districts(conn, tenant, items)
        profile = device_repo.create_profile(conn, tenant, f"{marker}-sensor", keys)
        rule_repo.create_rule(
            conn,
            tenant,
            profile["id"],
            name=f"{marker}-hot",
            alarm_type=f"{marker}_hot",
            severity="major",
            condition={"kind": "threshold", "key": "temperature", "op": ">", "value": 30},
        )
        device, token = device_repo.create_device(
            conn, tenant, f"{marker}-device", profile=profile["id"], lon=127.25, lat=37.65, district_code="3100000"
        )
        accounts.create_department(conn, tenant, f"{marker}-welfare")
    if readings:
        now = now_ms()
        message = [
            {"ts": now - (3 - i) * 60_000, "values": {"temperature": 20.0 + i, "motion": True}} for i in range(3)
        ]
        result = platform.ingest.submit_http(token, orjson.dumps(message))
        assert result is not None and result.accepted == 6, result
        platform.ingest.submit_http(token, b'{"temperature": oops}')  # a dead letter
    occurrence = Occurrence(tenant, "device", device["id"], f"{marker}_fall", Severity.CRITICAL, now_ms(), {})
    with platform.engine.begin() as conn:
        alarm, _ = raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
    return Town(tenant, device, token, alarm, marker)

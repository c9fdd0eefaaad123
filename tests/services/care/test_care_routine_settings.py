"""A home's routine settings (pill box dose times, the resident's vitals ranges): set by the caseworker of the
district, refused with a clear error when wrong (nothing changed), and applied to the home's routine rules."""

from __future__ import annotations

from care_support import CareTown, ok
from fastapi.testclient import TestClient

from maeul.adapters.sql import rules as rule_repo
from maeul.platform.app import Platform

BASE = "/api/v1/care/households"


def _conditions(platform: Platform, device_id: int) -> dict[str, dict[str, object]]:
    with platform.engine.connect() as conn:
        return {r.alarm_type: r.condition.to_json() for r in rule_repo.effective_rules(conn, device_id)}


def test_settings_are_set_checked_and_reach_the_rules(client: TestClient, platform: Platform, town: CareTown) -> None:
    home = town.home["id"]
    url = f"{BASE}/{home}/routine"
    first = ok(client.get(url, headers=town.worker))
    assert first["medication"] is None and first["vitals"] is None
    assert first["effective"]["medication"]["times"] == [] and first["effective"]["vitals"]["systolic_high"] == 160
    created = ok(client.post(f"{BASE}/{home}/devices", json={"kinds": ["pillbox", "vitals"]}, headers=town.admin), 201)
    box, cuff = (next(d for d in created if d["kind"] == k)["id"] for k in ("pillbox", "vitals"))
    assert _conditions(platform, box)["care_medication"]["config"]["times"] == []  # type: ignore[index]

    body = {"medication": {"times": ["08:00", "19:30"]}, "vitals": {"systolic_high": 150, "glucose_low": 80}}
    saved = ok(client.put(url, json=body, headers=town.worker))
    assert saved["medication"] == {"times": ["08:00", "19:30"]}
    effective = saved["effective"]["vitals"]
    assert effective["systolic_high"] == 150 and effective["diastolic_high"] == 100
    assert _conditions(platform, box)["care_medication"]["config"]["times"] == ["08:00", "19:30"]  # type: ignore[index]
    assert _conditions(platform, cuff)["care_vitals"]["config"]["glucose_low"] == 80  # type: ignore[index]

    # wrong settings: refused with ko + en, nothing changed
    for wrong in (
        {"vitals": {"systolic_low": 170}},  # low above high
        {"medication": {"times": ["8 am"]}},
        {"medication": {"times": ["08:00", "08:00"]}},
        {"vitals": {"pulse": 1}},
    ):
        response = client.put(url, json=wrong, headers=town.worker)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["message"]
    assert ok(client.get(url, headers=town.worker)) == saved
    refused = client.put(url, json={"vitals": {"systolic_low": 170}}, headers=town.worker).json()["error"]["message"]
    assert " / " in refused and "systolic" in refused  # the pure check's ko + en message

    # null resets one to the defaults; the other stays
    reset = ok(client.put(url, json={"medication": None}, headers=town.worker))
    assert reset["medication"] is None and reset["vitals"] == saved["vitals"]
    assert _conditions(platform, box)["care_medication"]["config"]["times"] == []  # type: ignore[index]


def test_only_the_districts_caseworker_and_supervisors(client: TestClient, town: CareTown) -> None:
    url = f"{BASE}/{town.home['id']}/routine"
    assert client.get(url, headers=town.other_worker).status_code == 403
    assert client.put(url, json={"vitals": None}, headers=town.other_worker).status_code == 403
    assert client.get(url, headers=town.viewer).status_code == 403
    ok(client.put(url, json={"vitals": {"glucose_high": 300}}, headers=town.admin))

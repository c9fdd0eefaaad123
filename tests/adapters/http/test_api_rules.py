"""Rules of device profiles, entities and rule overrides through the REST API (both stores)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_support import assert_error
from fastapi.testclient import TestClient

from maeul.adapters.sql import rules as rules_repo
from maeul.core.roles import Role
from maeul.core.rules import Threshold
from maeul.platform.app import Platform

TENANT = "namyangju"
HOT = {"kind": "threshold", "key": "temperature", "op": ">", "value": 30, "clear_value": 28, "hold_s": 600}
RULE = {"name": "실내 온도 높음", "alarm_type": "high_temperature", "severity": "major", "condition": HOT}


def created(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def make_profile(client: TestClient, admin: dict[str, str], name: str = "room") -> dict[str, Any]:
    return created(client.post("/api/v1/profiles", json={"name": name}, headers=admin))


def make_device(client: TestClient, admin: dict[str, str], name: str, profile_id: int) -> dict[str, Any]:
    return created(client.post("/api/v1/devices", json={"name": name, "profile": profile_id}, headers=admin))


def make_rule(client: TestClient, admin: dict[str, str], profile_id: int, **changes: Any) -> dict[str, Any]:
    return created(client.post(f"/api/v1/profiles/{profile_id}/rules", json={**RULE, **changes}, headers=admin))


def make_entity(
    client: TestClient, admin: dict[str, str], name: str = "H001", kind: str = "household"
) -> dict[str, Any]:
    return created(client.post("/api/v1/entities", json={"kind": kind, "name": name}, headers=admin))


def threshold_of(platform: Platform, device_id: int) -> dict[str, float | bool]:
    """The device's effective rules (as the rule runner gets them): rule id → the threshold's value, or False."""
    with platform.engine.connect() as conn:
        rules = rules_repo.effective_rules(conn, device_id)
    out: dict[str, float | bool] = {}
    for rule in rules:
        assert isinstance(rule.condition, Threshold)
        out[rule.id] = rule.condition.value if rule.enabled else False
    return out


# --- rules ----------------------------------------------------------------------------------------------


def test_rule_lifecycle(client: TestClient, tenant: Any, admin: dict[str, str]) -> None:
    profile = make_profile(client, admin)
    other_profile = make_profile(client, admin, "other")
    rule = make_rule(client, admin, profile["id"])
    assert rule["tenant_id"] == TENANT and rule["profile_id"] == profile["id"] and rule["enabled"] is True
    assert {k: rule[k] for k in RULE} == RULE
    assert rule["created_at"] == rule["updated_at"] > 0
    second = make_rule(client, admin, profile["id"], name="꺼진 규칙", alarm_type="cold", enabled=False)
    assert second["enabled"] is False

    viewer = tenant.headers[Role.VIEWER]
    listed = client.get(f"/api/v1/profiles/{profile['id']}/rules", headers=viewer)
    assert listed.status_code == 200 and listed.json() == [rule, second]
    assert client.get(f"/api/v1/profiles/{other_profile['id']}/rules", headers=viewer).json() == []
    assert client.get(f"/api/v1/rules/{rule['id']}", headers=viewer).json() == rule

    condition = {"kind": "all", "all": [HOT, {"kind": "no_data", "key": "temperature", "silent_s": 3600}]}
    changed = client.patch(
        f"/api/v1/rules/{rule['id']}", json={"severity": "critical", "condition": condition}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["severity"] == "critical" and changed.json()["condition"] == condition
    assert changed.json()["name"] == rule["name"] and changed.json()["updated_at"] >= rule["updated_at"]
    unchanged = client.patch(f"/api/v1/rules/{rule['id']}", json={}, headers=admin)
    assert unchanged.status_code == 200 and unchanged.json()["condition"] == condition
    disabled = client.patch(f"/api/v1/rules/{rule['id']}", json={"enabled": False, "name": "x"}, headers=admin)
    assert disabled.json()["enabled"] is False and disabled.json()["name"] == "x"

    assert client.delete(f"/api/v1/rules/{rule['id']}", headers=admin).status_code == 204
    assert_error(client.get(f"/api/v1/rules/{rule['id']}", headers=admin), 404, "not_found")
    assert_error(client.delete(f"/api/v1/rules/{rule['id']}", headers=admin), 404, "not_found")
    assert_error(client.patch(f"/api/v1/rules/{rule['id']}", json={}, headers=admin), 404, "not_found")
    assert [r["id"] for r in client.get(f"/api/v1/profiles/{profile['id']}/rules", headers=admin).json()] == [
        second["id"]
    ]
    # Deleting the profile deletes its rules.
    assert client.delete(f"/api/v1/profiles/{profile['id']}", headers=admin).status_code == 204
    assert_error(client.get(f"/api/v1/rules/{second['id']}", headers=admin), 404, "not_found")


def test_every_condition_kind_is_accepted(client: TestClient, admin: dict[str, str]) -> None:
    profile = make_profile(client, admin)
    square = [[127.0, 37.0], [127.1, 37.0], [127.1, 37.1], [127.0, 37.1], [127.0, 37.0]]
    conditions = [
        HOT,
        {"kind": "no_data", "key": "temperature", "silent_s": 3600},
        {"kind": "no_activity", "key": "motion", "silent_s": 43200},
        {"kind": "range", "key": "temperature", "low": 5, "high": 28, "hysteresis": 0.5},
        {"kind": "rate_of_change", "key": "temperature", "per_s": 600, "max_delta": 5, "direction": "abs"},
        {"kind": "geofence", "polygon": {"type": "Polygon", "coordinates": [square]}, "inside": False},
        {"kind": "all", "all": [HOT, {"kind": "schedule", "days": ["mon", "tue"], "start": "22:00", "end": "06:00"}]},
        {"kind": "any", "any": [HOT, {"kind": "no_data", "key": "temperature", "silent_s": 60}]},
    ]
    for condition in conditions:
        response = client.post(
            f"/api/v1/profiles/{profile['id']}/rules", json={**RULE, "condition": condition}, headers=admin
        )
        assert response.status_code == 201, (condition, response.text)


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        ({**HOT, "value": "hot"}, "condition.value"),
        ({**HOT, "op": "=>"}, "condition.op"),
        ({**HOT, "extra": 1}, "condition.extra"),
        ({"kind": "threshold", "key": "temperature", "op": ">"}, "condition.value"),
        ({"kind": "all", "all": [HOT, {"kind": "bogus"}]}, "condition.all[1].kind"),
        ({"kind": "any", "any": [HOT, {**HOT, "hold_s": -1}]}, "condition.any[1].hold_s"),
        ({"kind": "schedule", "start": "22:00", "end": "06:00"}, "condition"),
        ({}, "condition.kind"),
    ],
)
def test_an_invalid_condition_is_refused_with_its_path(
    client: TestClient, admin: dict[str, str], condition: dict[str, Any], path: str
) -> None:
    profile = make_profile(client, admin)
    url = f"/api/v1/profiles/{profile['id']}/rules"
    error = assert_error(client.post(url, json={**RULE, "condition": condition}, headers=admin), 422, "invalid")
    assert error["message"].startswith(f"{path}:"), error
    assert client.get(url, headers=admin).json() == []
    rule = make_rule(client, admin, profile["id"])
    error = assert_error(
        client.patch(f"/api/v1/rules/{rule['id']}", json={"condition": condition}, headers=admin), 422, "invalid"
    )
    assert error["message"].startswith(f"{path}:"), error
    assert client.get(f"/api/v1/rules/{rule['id']}", headers=admin).json() == rule


@pytest.mark.parametrize(
    "body",
    [
        {**RULE, "severity": "urgent"},
        {**RULE, "name": ""},
        {**RULE, "name": "x" * 201},
        {**RULE, "alarm_type": ""},
        {**RULE, "condition": None},
        {**RULE, "condition": [HOT]},
        {**RULE, "enabled": None},
        {**RULE, "extra": True},
        {k: v for k, v in RULE.items() if k != "condition"},
        {k: v for k, v in RULE.items() if k != "name"},
    ],
)
def test_a_malformed_rule_is_refused(client: TestClient, admin: dict[str, str], body: dict[str, Any]) -> None:
    profile = make_profile(client, admin)
    response = client.post(f"/api/v1/profiles/{profile['id']}/rules", json=body, headers=admin)
    assert_error(response, 422, "validation_error")


def test_a_patch_cannot_null_a_field_or_add_one(client: TestClient, admin: dict[str, str]) -> None:
    rule = make_rule(client, admin, make_profile(client, admin)["id"])
    for body in ({"name": None}, {"severity": None}, {"condition": None}, {"enabled": None}, {"profile_id": 1}):
        assert_error(client.patch(f"/api/v1/rules/{rule['id']}", json=body, headers=admin), 422, "validation_error")
    assert client.get(f"/api/v1/rules/{rule['id']}", headers=admin).json() == rule


def test_deeply_nested_json_is_refused_not_a_server_error(client: TestClient, admin: dict[str, str]) -> None:
    profile = make_profile(client, admin)
    condition: dict[str, Any] = HOT
    for _ in range(400):
        condition = {"kind": "all", "all": [condition]}
    response = client.post(
        f"/api/v1/profiles/{profile['id']}/rules", json={**RULE, "condition": condition}, headers=admin
    )
    assert_error(response, 422)
    rule = make_rule(client, admin, profile["id"])
    response = client.patch(f"/api/v1/rules/{rule['id']}", json={"condition": condition}, headers=admin)
    assert_error(response, 422)
    device = make_device(client, admin, "d", profile["id"])
    body = {"target_kind": "device", "target_id": device["id"], "params": {"condition": condition}}
    assert_error(client.put(f"/api/v1/rules/{rule['id']}/overrides", json=body, headers=admin), 422)
    attributes: Any = 1
    for _ in range(400):
        attributes = {"a": attributes}
    body = {"kind": "household", "name": "deep", "attributes": attributes}
    assert_error(client.post("/api/v1/entities", json=body, headers=admin), 422)


def test_rules_of_an_unknown_profile(client: TestClient, admin: dict[str, str]) -> None:
    assert_error(client.get("/api/v1/profiles/999999/rules", headers=admin), 404, "not_found")
    assert_error(client.post("/api/v1/profiles/999999/rules", json=RULE, headers=admin), 404, "not_found")
    for bad in ("0", "2147483648", "x"):
        assert_error(client.get(f"/api/v1/profiles/{bad}/rules", headers=admin), 422, "validation_error")
        assert_error(client.get(f"/api/v1/rules/{bad}", headers=admin), 422, "validation_error")


def test_rule_roles(client: TestClient, tenant: Any, admin: dict[str, str]) -> None:
    profile = make_profile(client, admin)
    rule = make_rule(client, admin, profile["id"])
    for role in (Role.VIEWER, Role.CASEWORKER):
        headers = tenant.headers[role]
        assert client.get(f"/api/v1/profiles/{profile['id']}/rules", headers=headers).status_code == 200
        assert client.get(f"/api/v1/rules/{rule['id']}", headers=headers).status_code == 200
        assert client.get(f"/api/v1/rules/{rule['id']}/overrides", headers=headers).status_code == 200
        assert client.get("/api/v1/entities", headers=headers).status_code == 200
        for response in (
            client.post(f"/api/v1/profiles/{profile['id']}/rules", json=RULE, headers=headers),
            client.patch(f"/api/v1/rules/{rule['id']}", json={"name": "x"}, headers=headers),
            client.delete(f"/api/v1/rules/{rule['id']}", headers=headers),
            client.post("/api/v1/entities", json={"kind": "household", "name": "x"}, headers=headers),
        ):
            assert_error(response, 403, "forbidden")
    operator = tenant.headers[Role.OPERATOR]
    assert make_rule(client, operator, profile["id"], name="by operator")["name"] == "by operator"
    assert client.patch(f"/api/v1/rules/{rule['id']}", json={"name": "x"}, headers=operator).status_code == 200
    assert client.get(f"/api/v1/rules/{rule['id']}", headers=admin).json()["name"] == "x"


# --- entities -------------------------------------------------------------------------------------------


def test_entity_lifecycle(client: TestClient, tenant: Any, admin: dict[str, str]) -> None:
    profile = make_profile(client, admin)
    d1, d2 = (make_device(client, admin, f"home-{i}", profile["id"]) for i in (1, 2))
    entity = created(
        client.post(
            "/api/v1/entities",
            json={"kind": "household", "name": "화도읍 H001", "attributes": {"address": "화도읍 1"}},
            headers=admin,
        )
    )
    assert entity["tenant_id"] == TENANT and entity["kind"] == "household" and entity["name"] == "화도읍 H001"
    assert entity["attributes"] == {"address": "화도읍 1"} and entity["device_ids"] == []
    site = make_entity(client, admin, "복지관", kind="site")
    viewer = tenant.headers[Role.VIEWER]
    assert client.get("/api/v1/entities", headers=viewer).json() == [entity, site]
    assert client.get("/api/v1/entities?kind=site", headers=viewer).json() == [site]
    assert client.get("/api/v1/entities?kind=district", headers=viewer).json() == []

    url = f"/api/v1/entities/{entity['id']}/devices"
    members = created(client.put(url, json={"device_ids": [d2["id"], d1["id"], d2["id"]]}, headers=admin), 200)
    assert members["device_ids"] == sorted([d1["id"], d2["id"]])
    assert client.get(f"/api/v1/entities/{entity['id']}", headers=viewer).json() == members
    assert created(client.put(url, json={"device_ids": [d1["id"]]}, headers=admin), 200)["device_ids"] == [d1["id"]]
    # An unknown device: nothing changes.
    error = assert_error(client.put(url, json={"device_ids": [d2["id"], 999_999]}, headers=admin), 422, "invalid")
    assert "999999" in error["message"]
    assert client.get(f"/api/v1/entities/{entity['id']}", headers=admin).json()["device_ids"] == [d1["id"]]
    for body in ({}, {"device_ids": None}, {"device_ids": [0]}, {"device_ids": ["x"]}, {"device_ids": [], "x": 1}):
        assert_error(client.put(url, json=body, headers=admin), 422, "validation_error")
    assert_error(client.put(url, json={"device_ids": [d2["id"]]}, headers=viewer), 403, "forbidden")
    # A deleted device leaves the entity.
    assert client.delete(f"/api/v1/devices/{d1['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/entities/{entity['id']}", headers=admin).json()["device_ids"] == []
    assert created(client.put(url, json={"device_ids": []}, headers=admin), 200)["device_ids"] == []

    assert_error(client.delete(f"/api/v1/entities/{entity['id']}", headers=viewer), 403, "forbidden")
    assert client.delete(f"/api/v1/entities/{entity['id']}", headers=admin).status_code == 204
    assert_error(client.get(f"/api/v1/entities/{entity['id']}", headers=admin), 404, "not_found")
    assert_error(client.delete(f"/api/v1/entities/{entity['id']}", headers=admin), 404, "not_found")
    assert_error(client.put(url, json={"device_ids": []}, headers=admin), 404, "not_found")
    assert client.get("/api/v1/entities", headers=admin).json() == [site]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "device", "name": "x"},
        {"kind": "", "name": "x"},
        {"kind": "House Hold", "name": "x"},
        {"kind": "household", "name": ""},
        {"kind": "household"},
        {"kind": "household", "name": "x", "attributes": None},
        {"kind": "household", "name": "x", "attributes": []},
        {"kind": "household", "name": "x", "device_ids": []},
    ],
)
def test_a_malformed_entity_is_refused(client: TestClient, admin: dict[str, str], body: dict[str, Any]) -> None:
    assert_error(client.post("/api/v1/entities", json=body, headers=admin), 422, "validation_error")


# --- overrides ------------------------------------------------------------------------------------------


def test_overrides_per_entity_and_per_device(
    client: TestClient, platform: Platform, tenant: Any, admin: dict[str, str]
) -> None:
    profile = make_profile(client, admin)
    d1, d2, d3 = (make_device(client, admin, f"home-{i}", profile["id"]) for i in (1, 2, 3))
    rule = make_rule(client, admin, profile["id"])
    key = str(rule["id"])
    household = make_entity(client, admin)
    created(
        client.put(
            f"/api/v1/entities/{household['id']}/devices", json={"device_ids": [d1["id"], d2["id"]]}, headers=admin
        ),
        200,
    )
    url = f"/api/v1/rules/{rule['id']}/overrides"
    assert client.get(url, headers=tenant.headers[Role.VIEWER]).json() == []

    group = created(
        client.put(
            url,
            json={"target_kind": "entity", "target_id": household["id"], "params": {"condition": {"value": 35}}},
            headers=admin,
        ),
        200,
    )
    assert group == {
        "id": group["id"],
        "rule_id": rule["id"],
        "target_kind": "entity",
        "target_id": household["id"],
        "params": {"condition": {"value": 35}},
        "enabled": None,
    }
    own = created(
        client.put(url, json={"target_kind": "device", "target_id": d2["id"], "enabled": False}, headers=admin), 200
    )
    assert own["params"] == {} and own["enabled"] is False
    assert client.get(url, headers=admin).json() == [group, own]
    # Precedence: device > entity > profile.
    assert threshold_of(platform, d1["id"]) == {key: 35.0}
    assert threshold_of(platform, d2["id"]) == {key: False}
    assert threshold_of(platform, d3["id"]) == {key: 30.0}

    # Setting it again for the same target replaces it.
    again = created(
        client.put(
            url,
            json={"target_kind": "entity", "target_id": household["id"], "params": {"condition": {"value": 40}}},
            headers=admin,
        ),
        200,
    )
    assert [o["params"] for o in client.get(url, headers=admin).json()] == [{}, {"condition": {"value": 40}}]
    assert threshold_of(platform, d1["id"]) == {key: 40.0}

    assert_error(client.delete(f"/api/v1/rule-overrides/{own['id']}", headers=tenant.headers[Role.CASEWORKER]), 403)
    assert (
        client.delete(f"/api/v1/rule-overrides/{own['id']}", headers=tenant.headers[Role.OPERATOR]).status_code == 204
    )
    assert_error(client.delete(f"/api/v1/rule-overrides/{own['id']}", headers=admin), 404, "not_found")
    assert threshold_of(platform, d2["id"]) == {key: 40.0}

    # Deleting the entity deletes its overrides; deleting the rule deletes the rest.
    assert client.delete(f"/api/v1/entities/{household['id']}", headers=admin).status_code == 204
    assert client.get(url, headers=admin).json() == []
    assert_error(client.delete(f"/api/v1/rule-overrides/{again['id']}", headers=admin), 404, "not_found")
    third = created(client.put(url, json={"target_kind": "device", "target_id": d3["id"]}, headers=admin), 200)
    assert client.delete(f"/api/v1/rules/{rule['id']}", headers=admin).status_code == 204
    assert_error(client.get(url, headers=admin), 404, "not_found")
    assert_error(client.delete(f"/api/v1/rule-overrides/{third['id']}", headers=admin), 404, "not_found")


def test_bad_overrides(client: TestClient, tenant: Any, admin: dict[str, str]) -> None:
    profile = make_profile(client, admin)
    device = make_device(client, admin, "home-1", profile["id"])
    rule = make_rule(client, admin, profile["id"], condition={"kind": "all", "all": [HOT]})
    url = f"/api/v1/rules/{rule['id']}/overrides"

    def put(params: Any = None, **body: Any) -> Any:
        sent = {"target_kind": "device", "target_id": device["id"], **body}
        if params is not None:
            sent["params"] = params
        return client.put(url, json=sent, headers=admin)

    # The merged rule must be usable: the engine's message names the field.
    for params, path in (
        ({"condition": {"all": {"0": {"value": "warm"}}}}, "condition.all[0].value:"),
        ({"condition": {"all": {"3": {"value": 1}}}}, "override.condition.all[3]:"),
        ({"condition": {"kind": "no_data"}}, "condition.silent_s:"),
        ({"condition": {"value": 1}}, "condition.value:"),
        ({"severity": "urgent"}, "severity:"),
    ):
        error = assert_error(put(params), 422, "invalid")
        assert error["message"].startswith(path), (params, error)
    ok = put({"condition": {"all": {"0": {"value": 35}}}})
    assert ok.status_code == 200, ok.text
    assert client.delete(f"/api/v1/rule-overrides/{ok.json()['id']}", headers=admin).status_code == 204
    assert_error(put({"id": "other"}), 422, "validation_error")
    assert_error(put(target_kind="entity", target_id=999_999), 404, "not_found")
    assert_error(put(target_id=999_999), 404, "not_found")
    for body in (
        {"target_kind": "household", "target_id": device["id"]},
        {"target_kind": "device"},
        {"target_kind": "device", "target_id": 0},
        {"target_kind": "device", "target_id": device["id"], "params": None},
        {"target_kind": "device", "target_id": device["id"], "enabled": "maybe"},
        {"target_kind": "device", "target_id": device["id"], "rule_id": 1},
    ):
        assert_error(client.put(url, json=body, headers=admin), 422, "validation_error")
    assert client.get(url, headers=admin).json() == []
    assert_error(
        client.put(
            "/api/v1/rules/999999/overrides", json={"target_kind": "device", "target_id": device["id"]}, headers=admin
        ),
        404,
    )
    assert_error(client.get("/api/v1/rules/999999/overrides", headers=admin), 404, "not_found")
    viewer = tenant.headers[Role.VIEWER]
    response = client.put(url, json={"target_kind": "device", "target_id": device["id"]}, headers=viewer)
    assert_error(response, 403, "forbidden")


def test_a_rule_change_must_keep_its_overrides_usable(
    client: TestClient, platform: Platform, admin: dict[str, str]
) -> None:
    profile = make_profile(client, admin)
    device = make_device(client, admin, "home-1", profile["id"])
    rule = make_rule(client, admin, profile["id"])
    override = created(
        client.put(
            f"/api/v1/rules/{rule['id']}/overrides",
            json={"target_kind": "device", "target_id": device["id"], "params": {"condition": {"value": 35}}},
            headers=admin,
        ),
        200,
    )
    no_data = {"kind": "no_data", "key": "temperature", "silent_s": 3600}
    error = assert_error(
        client.patch(f"/api/v1/rules/{rule['id']}", json={"condition": no_data}, headers=admin), 422, "invalid"
    )
    assert f"override {override['id']}" in error["message"] and "condition.value" in error["message"]
    assert client.get(f"/api/v1/rules/{rule['id']}", headers=admin).json() == rule
    assert threshold_of(platform, device["id"]) == {str(rule["id"]): 35.0}
    # A change the override still fits goes through.
    response = client.patch(f"/api/v1/rules/{rule['id']}", json={"condition": {**HOT, "value": 29}}, headers=admin)
    assert response.status_code == 200, response.text


def test_other_tenants_rules_entities_and_overrides_are_not_found(
    client: TestClient, admin: dict[str, str], make_tenant: Callable[[str], Any]
) -> None:
    theirs = make_tenant("suwon").admin
    their_profile = make_profile(client, theirs)
    their_device = make_device(client, theirs, "their-device", their_profile["id"])
    their_rule = make_rule(client, theirs, their_profile["id"])
    their_entity = make_entity(client, theirs)
    their_override = created(
        client.put(
            f"/api/v1/rules/{their_rule['id']}/overrides",
            json={"target_kind": "device", "target_id": their_device["id"]},
            headers=theirs,
        ),
        200,
    )
    profile = make_profile(client, admin)
    rule = make_rule(client, admin, profile["id"])
    entity = make_entity(client, admin)
    for response in (
        client.get(f"/api/v1/profiles/{their_profile['id']}/rules", headers=admin),
        client.post(f"/api/v1/profiles/{their_profile['id']}/rules", json=RULE, headers=admin),
        client.get(f"/api/v1/rules/{their_rule['id']}", headers=admin),
        client.patch(f"/api/v1/rules/{their_rule['id']}", json={"enabled": False}, headers=admin),
        client.delete(f"/api/v1/rules/{their_rule['id']}", headers=admin),
        client.get(f"/api/v1/rules/{their_rule['id']}/overrides", headers=admin),
        client.put(
            f"/api/v1/rules/{their_rule['id']}/overrides",
            json={"target_kind": "device", "target_id": their_device["id"], "enabled": False},
            headers=admin,
        ),
        client.put(
            f"/api/v1/rules/{rule['id']}/overrides",
            json={"target_kind": "device", "target_id": their_device["id"]},
            headers=admin,
        ),
        client.put(
            f"/api/v1/rules/{rule['id']}/overrides",
            json={"target_kind": "entity", "target_id": their_entity["id"]},
            headers=admin,
        ),
        client.delete(f"/api/v1/rule-overrides/{their_override['id']}", headers=admin),
        client.get(f"/api/v1/entities/{their_entity['id']}", headers=admin),
        client.delete(f"/api/v1/entities/{their_entity['id']}", headers=admin),
        client.put(f"/api/v1/entities/{their_entity['id']}/devices", json={"device_ids": []}, headers=admin),
    ):
        assert_error(response, 404, "not_found")
    response = client.put(
        f"/api/v1/entities/{entity['id']}/devices", json={"device_ids": [their_device["id"]]}, headers=admin
    )
    assert_error(response, 422, "invalid")
    assert client.get("/api/v1/entities", headers=admin).json() == [
        client.get(f"/api/v1/entities/{entity['id']}", headers=admin).json()
    ]
    assert client.get(f"/api/v1/rules/{their_rule['id']}", headers=theirs).json() == their_rule
    assert client.get(f"/api/v1/rules/{their_rule['id']}/overrides", headers=theirs).json() == [their_override]
    assert client.get(f"/api/v1/entities/{their_entity['id']}", headers=theirs).json() == their_entity


def test_writes_make_the_rule_runner_reload(
    client: TestClient, platform: Platform, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner caches each device's effective rules; every write here tells it to read them again."""
    calls: list[int | None] = []

    def invalidate(device_id: int | None = None) -> None:
        calls.append(device_id)

    assert platform.rule_runner is not None
    monkeypatch.setattr(platform.rule_runner, "invalidate", invalidate)
    profile = make_profile(client, admin)
    device = make_device(client, admin, "home-1", profile["id"])
    rule = make_rule(client, admin, profile["id"])
    assert client.patch(f"/api/v1/rules/{rule['id']}", json={"name": "x"}, headers=admin).status_code == 200
    entity = make_entity(client, admin)
    url = f"/api/v1/entities/{entity['id']}/devices"
    assert client.put(url, json={"device_ids": [device["id"]]}, headers=admin).status_code == 200
    body = {"target_kind": "device", "target_id": device["id"], "enabled": False}
    override = created(client.put(f"/api/v1/rules/{rule['id']}/overrides", json=body, headers=admin), 200)
    assert client.delete(f"/api/v1/rule-overrides/{override['id']}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/entities/{entity['id']}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/rules/{rule['id']}", headers=admin).status_code == 204
    assert calls == [None] * 7
    assert_error(client.patch(f"/api/v1/rules/{rule['id']}", json={"name": "y"}, headers=admin), 404)
    assert len(calls) == 7, "a refused write changes nothing"


# --- the SQL layer, under the API -----------------------------------------------------------------------
# The routes guard against both of these; the repository functions themselves do not (bugs to fix there).


def test_sql_update_rule_keeps_the_overrides_usable(
    client: TestClient, platform: Platform, admin: dict[str, str]
) -> None:
    """``rules.update_rule`` accepts a change that an existing override no longer fits; the device's
    ``effective_rules`` then raises RuleSpecError, so the runner cannot evaluate that device at all."""
    profile = make_profile(client, admin)
    device = make_device(client, admin, "home-1", profile["id"])
    rule = make_rule(client, admin, profile["id"])
    with platform.engine.begin() as conn:
        rules_repo.set_override(conn, TENANT, rule["id"], "device", device["id"], {"condition": {"value": 35}}, None)
    no_data = {"kind": "no_data", "key": "temperature", "silent_s": 3600}
    with pytest.raises(rules_repo.Invalid), platform.engine.begin() as conn:
        rules_repo.update_rule(conn, TENANT, rule["id"], {"condition": no_data})


def test_sql_set_override_refuses_an_id_change(client: TestClient, platform: Platform, admin: dict[str, str]) -> None:
    """``rules.set_override`` stores ``{"id": ...}`` params, which ``resolve`` (so ``effective_rules``) refuses."""
    profile = make_profile(client, admin)
    device = make_device(client, admin, "home-1", profile["id"])
    rule = make_rule(client, admin, profile["id"])
    with pytest.raises(rules_repo.Invalid), platform.engine.begin() as conn:
        rules_repo.set_override(conn, TENANT, rule["id"], "device", device["id"], {"id": "other"}, None)

"""Alarms through the REST API (both stores): list and filter, history, acknowledge, clear, assign, comment.

Alarms are raised here with the SQL layer (``raise_alarm``), as the rule runner does from readings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from api_support import T0, assert_error
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from maeul.adapters.sql import alarms as alarm_repo
from maeul.core.alarms import Action, Occurrence, Severity
from maeul.core.roles import Role
from maeul.platform.app import Platform

TENANT = "namyangju"
HANDLING = ("acknowledge", "clear", "assign", "comments")


@dataclass
class Setup:
    tenant: Any
    user_ids: dict[Role, int]
    devices: list[dict[str, Any]]
    entity: dict[str, Any]

    def headers(self, role: Role) -> dict[str, str]:
        return dict(self.tenant.headers[role])


def user_ids(client: TestClient, tenant: Any) -> dict[Role, int]:
    return {role: client.get("/api/v1/me", headers=h).json()["id"] for role, h in tenant.headers.items()}


def make_setup(client: TestClient, tenant: Any) -> Setup:
    admin = tenant.admin
    devices = []
    for name in ("home-1", "home-2", "home-3"):
        response = client.post("/api/v1/devices", json={"name": name}, headers=admin)
        assert response.status_code == 201, response.text
        devices.append(response.json())
    entity = client.post("/api/v1/entities", json={"kind": "household", "name": "H001"}, headers=admin).json()
    response = client.put(
        f"/api/v1/entities/{entity['id']}/devices", json={"device_ids": [devices[1]["id"]]}, headers=admin
    )
    assert response.status_code == 200, response.text
    return Setup(tenant, user_ids(client, tenant), devices, response.json())


@pytest.fixture
def setup(client: TestClient, tenant: Any) -> Setup:
    return make_setup(client, tenant)


def raise_alarm(
    platform: Platform,
    device_id: int,
    alarm_type: str = "high_temperature",
    severity: Severity = Severity.MAJOR,
    start: int = T0,
    tenant_id: str = TENANT,
    kind: str = "device",
) -> dict[str, Any]:
    occurrence = Occurrence(tenant_id, kind, device_id, alarm_type, severity, start, {"value": 31.5})
    with platform.engine.begin() as conn:
        alarm, _ = alarm_repo.raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
    return dict(alarm)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["items"]]


def handle(client: TestClient, alarm_id: int, action: str, headers: dict[str, str], **body: Any) -> Any:
    path = f"/api/v1/alarms/{alarm_id}/{action}"
    if action == "assign":
        return client.post(path, json={"assignee_id": body.get("assignee_id")}, headers=headers)
    if action == "comments":
        return client.post(path, json={"text": body.get("text", "확인함")}, headers=headers)
    if action == "acknowledge" and "text" in body:
        return client.post(path, json={"text": body["text"]}, headers=headers)
    return client.post(path, headers=headers)


# --- reading --------------------------------------------------------------------------------------------


def test_an_alarm_with_its_readings_times_and_entities(client: TestClient, platform: Platform, setup: Setup) -> None:
    device = setup.devices[1]
    raised = raise_alarm(platform, device["id"], severity=Severity.MINOR, start=T0)
    raise_alarm(platform, device["id"], severity=Severity.CRITICAL, start=T0 + 60_000)
    response = client.get(f"/api/v1/alarms/{raised['id']}", headers=setup.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    alarm = response.json()
    assert alarm["id"] == raised["id"] and alarm["tenant_id"] == TENANT
    assert (alarm["originator_kind"], alarm["originator_id"], alarm["type"]) == (
        "device",
        device["id"],
        "high_temperature",
    )
    assert alarm["severity"] == "critical", "a more severe occurrence upgrades the alarm"
    assert alarm["status"] == "active" and alarm["cleared"] is False and alarm["acknowledged"] is False
    assert (alarm["start_ts"], alarm["last_ts"], alarm["end_ts"]) == (T0, T0 + 60_000, None)
    assert alarm["occurrences"] == 2 and alarm["assignee_id"] is None and alarm["details"] == {"value": 31.5}
    assert alarm["entity_ids"] == [setup.entity["id"]], "a device's alarm propagates to its household"
    assert [(e["action"], e["actor_id"]) for e in alarm["history"]] == [("raised", None), ("upgraded", None)]
    assert all(e["ts"] > 0 and e["text"] is None for e in alarm["history"])
    assert_error(client.get("/api/v1/alarms/999999", headers=setup.headers(Role.ADMIN)), 404, "not_found")
    assert_error(client.get("/api/v1/alarms/0", headers=setup.headers(Role.ADMIN)), 422, "validation_error")
    assert_error(client.get("/api/v1/alarms/2147483648", headers=setup.headers(Role.ADMIN)), 422, "validation_error")


def test_list_filters(client: TestClient, platform: Platform, setup: Setup) -> None:
    d1, d2, d3 = (d["id"] for d in setup.devices)
    caseworker = setup.user_ids[Role.CASEWORKER]
    admin = setup.headers(Role.ADMIN)
    hot = raise_alarm(platform, d1, "high_temperature", Severity.CRITICAL, T0)
    door = raise_alarm(platform, d1, "door_open", Severity.WARNING, T0 + 1)
    cold = raise_alarm(platform, d2, "low_temperature", Severity.MINOR, T0 + 2)
    quiet = raise_alarm(platform, d3, "no_activity", Severity.MAJOR, T0 + 3)
    household = raise_alarm(platform, setup.entity["id"], "no_activity", Severity.MAJOR, T0 + 4, kind="household")
    assert handle(client, door["id"], "clear", admin).status_code == 200
    assert handle(client, cold["id"], "acknowledge", admin).status_code == 200
    assert handle(client, quiet["id"], "assign", admin, assignee_id=caseworker).status_code == 200

    def listed(query: str = "") -> list[int]:
        return ids(client.get(f"/api/v1/alarms{query}", headers=setup.headers(Role.VIEWER)))

    # Active first, most severe first, newest first; cleared ones last.
    assert listed() == [hot["id"], household["id"], quiet["id"], cold["id"], door["id"]]
    assert listed("?status=active") == [hot["id"], household["id"], quiet["id"], cold["id"]]
    assert listed("?status=cleared") == [door["id"]]
    assert listed("?acknowledged=true") == [cold["id"]]
    assert listed("?acknowledged=false&status=active") == [hot["id"], household["id"], quiet["id"]]
    assert listed("?severity=major") == [household["id"], quiet["id"]]
    assert listed("?type=no_activity") == [household["id"], quiet["id"]]
    assert listed(f"?device_id={d1}") == [hot["id"], door["id"]]
    assert household["id"] not in listed(f"?device_id={setup.entity['id']}"), "an entity's own alarm is no device's"
    by_entity = listed(f"?entity_id={setup.entity['id']}")
    assert cold["id"] in by_entity and not {hot["id"], door["id"], quiet["id"]} & set(by_entity)
    assert listed(f"?assignee_id={caseworker}") == [quiet["id"]]
    assert listed(f"?assignee_id={setup.user_ids[Role.ADMIN]}") == []
    assert listed("?device_id=999999") == [] and listed("?type=unknown") == []
    # Pages.
    first = client.get("/api/v1/alarms?limit=2", headers=admin).json()
    assert [a["id"] for a in first["items"]] == [hot["id"], household["id"]] and first["next_offset"] == 2
    last = client.get("/api/v1/alarms?limit=2&offset=4", headers=admin).json()
    assert [a["id"] for a in last["items"]] == [door["id"]] and last["next_offset"] is None
    item = client.get("/api/v1/alarms?status=cleared", headers=admin).json()["items"][0]
    assert item["status"] == "cleared" and item["cleared"] is True and item["cleared_by"] == setup.user_ids[Role.ADMIN]
    assert "history" not in item


def test_entity_filter_includes_the_entitys_own_alarms(client: TestClient, platform: Platform, setup: Setup) -> None:
    """SQL-layer gap: ``list_alarms(entity_id=...)`` only finds alarms propagated from the entity's devices, not
    an alarm raised on the entity itself (originator_kind "household", originator_id the entity's id)."""
    own = raise_alarm(platform, setup.entity["id"], "no_activity", Severity.MAJOR, kind="household")
    listed = ids(client.get(f"/api/v1/alarms?entity_id={setup.entity['id']}", headers=setup.headers(Role.ADMIN)))
    assert own["id"] in listed


@pytest.mark.parametrize(
    "query",
    [
        "status=open",
        "acknowledged=maybe",
        "severity=bad",
        "type=",
        "device_id=0",
        "device_id=2147483648",
        "entity_id=-1",
        "assignee_id=x",
        "limit=0",
        "limit=1001",
        "offset=-1",
    ],
)
def test_bad_filters(client: TestClient, admin: dict[str, str], query: str) -> None:
    assert_error(client.get(f"/api/v1/alarms?{query}", headers=admin), 422, "validation_error")


# --- handling -------------------------------------------------------------------------------------------


def test_history_records_who_did_what(client: TestClient, platform: Platform, setup: Setup) -> None:
    alarm = raise_alarm(platform, setup.devices[0]["id"])
    caseworker, operator = setup.user_ids[Role.CASEWORKER], setup.user_ids[Role.OPERATOR]
    as_caseworker, as_operator = setup.headers(Role.CASEWORKER), setup.headers(Role.OPERATOR)

    acked = handle(client, alarm["id"], "acknowledge", as_caseworker, text="전화 확인 중 / calling")
    assert acked.status_code == 200, acked.text
    body = acked.json()
    assert body["acknowledged"] is True and body["acknowledged_by"] == caseworker and body["acknowledged_at"] > 0
    assert body["status"] == "active", "acknowledging does not clear"
    again = handle(client, alarm["id"], "acknowledge", as_operator)
    assert again.status_code == 200 and again.json()["acknowledged_by"] == caseworker, "already acknowledged"

    assigned = handle(client, alarm["id"], "assign", as_operator, assignee_id=caseworker)
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == caseworker
    commented = handle(client, alarm["id"], "comments", as_caseworker, text="보호자와 통화함")
    assert commented.status_code == 201, commented.text
    unassigned = handle(client, alarm["id"], "assign", as_caseworker, assignee_id=None)
    assert unassigned.status_code == 200 and unassigned.json()["assignee_id"] is None

    cleared = handle(client, alarm["id"], "clear", as_operator)
    assert cleared.status_code == 200, cleared.text
    body = cleared.json()
    assert body["status"] == "cleared" and body["cleared"] is True and body["acknowledged"] is True
    assert body["cleared_by"] == operator and body["end_ts"] is not None and body["cleared_at"] >= body["end_ts"]
    assert handle(client, alarm["id"], "clear", as_caseworker).json()["cleared_by"] == operator, "already cleared"

    history = client.get(f"/api/v1/alarms/{alarm['id']}", headers=setup.headers(Role.VIEWER)).json()["history"]
    assert [(e["action"], e["actor_id"], e["text"]) for e in history] == [
        ("raised", None, None),
        ("acknowledged", caseworker, "전화 확인 중 / calling"),
        ("assigned", operator, None),
        ("commented", caseworker, "보호자와 통화함"),
        ("assigned", caseworker, None),
        ("cleared", operator, None),
    ]
    assert history[2]["details"] == {"assignee_id": caseworker} and history[4]["details"] == {"assignee_id": None}
    assert [e["ts"] for e in history] == sorted(e["ts"] for e in history)
    # A cleared alarm can still be acknowledged, assigned and commented on.
    other = raise_alarm(platform, setup.devices[2]["id"])
    assert handle(client, other["id"], "clear", as_operator).status_code == 200
    late = handle(client, other["id"], "acknowledge", as_caseworker)
    assert late.json()["status"] == "cleared" and late.json()["acknowledged"] is True


def test_acknowledge_without_a_body_or_with_an_empty_one(client: TestClient, platform: Platform, setup: Setup) -> None:
    headers = setup.headers(Role.CASEWORKER)
    for body in (None, {}, {"text": None}):
        alarm = raise_alarm(platform, setup.devices[0]["id"], alarm_type=f"t{len(str(body))}")
        response = client.post(f"/api/v1/alarms/{alarm['id']}/acknowledge", json=body, headers=headers)
        assert response.status_code == 200, (body, response.text)
        assert response.json()["history"][-1]["text"] is None


def test_changes_run_the_platform_alarm_listeners(client: TestClient, platform: Platform, setup: Setup) -> None:
    """The notification outbox listens in the same transaction: acknowledging stops the escalation."""
    seen: list[tuple[int, Action, int | None]] = []

    def listener(_conn: Connection, alarm: dict[str, Any], action: Action, actor_id: int | None) -> None:
        seen.append((alarm["id"], action, actor_id))

    alarm = raise_alarm(platform, setup.devices[0]["id"])
    platform.alarm_listeners.append(listener)
    try:
        admin_id = setup.user_ids[Role.ADMIN]
        for action in HANDLING:
            response = handle(client, alarm["id"], action, setup.headers(Role.ADMIN), assignee_id=admin_id)
            assert response.status_code in (200, 201), response.text
    finally:
        platform.alarm_listeners.remove(listener)
    assert seen == [
        (alarm["id"], Action.ACKNOWLEDGED, admin_id),
        (alarm["id"], Action.CLEARED, admin_id),
        (alarm["id"], Action.ASSIGNED, admin_id),
    ]


def test_a_failing_listener_changes_nothing(client: TestClient, platform: Platform, setup: Setup) -> None:
    def broken(_conn: Connection, _alarm: dict[str, Any], _action: Action, _actor: int | None) -> None:
        raise RuntimeError("outbox down")

    alarm = raise_alarm(platform, setup.devices[0]["id"])
    platform.alarm_listeners.append(broken)
    try:
        with pytest.raises(RuntimeError):
            handle(client, alarm["id"], "acknowledge", setup.headers(Role.ADMIN))
    finally:
        platform.alarm_listeners.remove(broken)
    after = client.get(f"/api/v1/alarms/{alarm['id']}", headers=setup.headers(Role.ADMIN)).json()
    assert after["acknowledged"] is False and [e["action"] for e in after["history"]] == ["raised"]


def test_roles(client: TestClient, platform: Platform, setup: Setup) -> None:
    alarm = raise_alarm(platform, setup.devices[0]["id"])
    viewer = setup.headers(Role.VIEWER)
    assert client.get("/api/v1/alarms", headers=viewer).status_code == 200
    assert client.get(f"/api/v1/alarms/{alarm['id']}", headers=viewer).status_code == 200
    for action in HANDLING:
        response = handle(client, alarm["id"], action, viewer, assignee_id=setup.user_ids[Role.VIEWER])
        error = assert_error(response, 403, "forbidden")
        assert "viewer" in error["message"]
    untouched = client.get(f"/api/v1/alarms/{alarm['id']}", headers=viewer).json()
    assert [e["action"] for e in untouched["history"]] == ["raised"] and not untouched["acknowledged"]
    for role in (Role.CASEWORKER, Role.OPERATOR, Role.ADMIN):
        fresh = raise_alarm(platform, setup.devices[0]["id"], alarm_type=f"by-{role.value}")
        for action in HANDLING:
            response = handle(client, fresh["id"], action, setup.headers(role), assignee_id=setup.user_ids[role])
            assert response.status_code in (200, 201), (role, action, response.text)
    for action in HANDLING:
        assert_error(handle(client, alarm["id"], action, {}), 401, "unauthorized")


def test_bad_input(client: TestClient, platform: Platform, setup: Setup, make_tenant: Callable[[str], Any]) -> None:
    alarm = raise_alarm(platform, setup.devices[0]["id"])
    admin = setup.headers(Role.ADMIN)
    path = f"/api/v1/alarms/{alarm['id']}"
    stranger = user_ids(client, make_tenant("suwon"))[Role.CASEWORKER]
    for assignee in (999_999, stranger):
        error = assert_error(
            client.post(f"{path}/assign", json={"assignee_id": assignee}, headers=admin), 422, "invalid"
        )
        assert str(assignee) in error["message"]
    bad: dict[str, list[dict[str, Any]]] = {
        "assign": [{}, {"assignee_id": 0}, {"assignee_id": 2**31}, {"assignee_id": "x"}, {"assignee_id": 1, "x": 1}],
        "comments": [{}, {"text": ""}, {"text": "   \n"}, {"text": None}, {"text": "x" * 4001}, {"text": "x", "y": 1}],
        "acknowledge": [{"text": "x" * 4001}, {"note": "x"}, {"text": 5}],
    }
    for action, bodies in bad.items():
        for body in bodies:
            response = client.post(f"{path}/{action}", json=body, headers=admin)
            assert_error(response, 422, "validation_error")
    assert client.post(f"{path}/comments", json={"text": "x" * 4000}, headers=admin).status_code == 201
    history = client.get(path, headers=admin).json()["history"]
    assert [e["action"] for e in history] == ["raised", "commented"], "nothing else was recorded"
    for action in HANDLING:
        response = handle(client, 999_999, action, admin, assignee_id=setup.user_ids[Role.ADMIN])
        assert_error(response, 404, "not_found")


def test_other_tenants_alarms_are_not_found(
    client: TestClient, platform: Platform, setup: Setup, make_tenant: Callable[[str], Any]
) -> None:
    other = make_setup(client, make_tenant("suwon"))
    theirs = raise_alarm(platform, other.devices[0]["id"], tenant_id="suwon")
    ours = raise_alarm(platform, setup.devices[0]["id"])
    admin = setup.headers(Role.ADMIN)
    assert ids(client.get("/api/v1/alarms", headers=admin)) == [ours["id"]]
    for query in (f"device_id={other.devices[0]['id']}", f"entity_id={other.entity['id']}"):
        assert ids(client.get(f"/api/v1/alarms?{query}", headers=admin)) == []
    assert_error(client.get(f"/api/v1/alarms/{theirs['id']}", headers=admin), 404, "not_found")
    for action in HANDLING:
        assert_error(handle(client, theirs["id"], action, admin, assignee_id=None), 404, "not_found")
    unchanged = client.get(f"/api/v1/alarms/{theirs['id']}", headers=other.headers(Role.ADMIN)).json()
    assert [e["action"] for e in unchanged["history"]] == ["raised"] and unchanged["status"] == "active"

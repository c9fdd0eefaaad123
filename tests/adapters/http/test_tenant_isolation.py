"""Tenant isolation on every route: a user of tenant A can never read or change tenant B's data.

``ROUTES`` says, for every route of the app, who may call it and how to call it: once on the caller's own
objects (for the role and authentication checks) and once aimed at the other tenant's objects (by id, by name,
by reference in a body). A route the app has but the table lacks fails ``test_every_route_is_covered``, so a
new route cannot slip past these tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from api_support import DAY, T0, World, app_routes, bearer, district_collection, ingest
from fastapi.testclient import TestClient

from maeul.adapters.sql.alarms import raise_alarm
from maeul.core.alarms import Occurrence, Severity
from maeul.core.roles import Role
from maeul.platform.app import Platform

A_ID, B_ID = "namyangju", "suwon"
WINDOW = f"start={T0 - DAY}&end={T0 + DAY}"


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] | None = None  # instead of the caller's bearer headers
    expect: frozenset[int] = frozenset({404})
    echo: bool = False  # the request itself names B's things, which the answer may repeat
    reuses_name: bool = False  # creates, in A, something named like B's: sent after everything else
    check: Callable[[Any], None] | None = None
    content_type: str = "text/csv"  # of ``content``

    def send(self, client: TestClient, headers: dict[str, str] | None) -> Any:
        sent = dict(self.headers if self.headers is not None else headers or {})
        if self.content is not None:
            sent.setdefault("Content-Type", self.content_type)
        return client.request(self.method, self.path, json=self.json, content=self.content, headers=sent)


def status(*codes: int) -> frozenset[int]:
    return frozenset(codes)


# Who may call a route: public (nobody needs a token), device (a device token), or a user with a permission.
EVERY_ROLE = frozenset(Role)
ALLOWED: dict[str, frozenset[Role]] = {
    "self": EVERY_ROLE,  # about the caller only (me, logout, own tenant)
    "read": EVERY_ROLE,
    "devices": frozenset({Role.ADMIN, Role.OPERATOR}),
    "alarms": frozenset({Role.ADMIN, Role.OPERATOR, Role.CASEWORKER}),  # handling alarms: every role but viewer
    "users": frozenset({Role.ADMIN}),
    "tenant": frozenset({Role.ADMIN}),
}


@dataclass(frozen=True)
class RouteSpec:
    access: str  # "public", "device", or a key of ALLOWED
    own: Callable[[World], Req]
    cross: Callable[[World, World], list[Req]] = field(default=lambda a, b: [])


def no_ids(*ids: int) -> Callable[[Any], None]:
    """The list answer holds none of these ids."""

    def check(response: Any) -> None:
        body = response.json()
        items = body["items"] if isinstance(body, dict) and "items" in body else body
        found = {item["id"] for item in items}
        assert not found & set(ids), f"other tenant's ids {found & set(ids)} listed"

    return check


def empty_list(response: Any) -> None:
    body = response.json()
    items = body["items"] if isinstance(body, dict) and "items" in body else body
    assert items == [], body


def about_tenant(tenant_id: str) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        body = response.json()
        assert body.get("tenant_id", body.get("id")) == tenant_id, body

    return check


def dead_letters_of(tenant_id: str) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        items = response.json()["items"]
        assert items and all(item["tenant_id"] == tenant_id for item in items), items

    return check


def csv_body(text: str) -> bytes:
    return text.encode()


@dataclass
class AlarmObjects:
    """A world's rules, entities, overrides and one alarm (built by ``build_alarm_objects``)."""

    rule: dict[str, Any]
    spare_rule: dict[str, Any]
    entity: dict[str, Any]
    spare_entity: dict[str, Any]
    override: dict[str, Any]
    spare_override: dict[str, Any]
    alarm: dict[str, Any]


ALARM_OBJECTS: dict[str, AlarmObjects] = {}  # by tenant id, filled by the ``worlds`` fixture


def x(world: World) -> AlarmObjects:
    return ALARM_OBJECTS[world.tenant.id]


def build_alarm_objects(client: TestClient, platform: Platform, w: World) -> AlarmObjects:
    """A rule on the world's profile with overrides for its device and a household (holding the device), and an
    acknowledged, assigned, commented alarm of the device; names carry the world's marker."""

    def ok(response: Any, code: int = 201) -> dict[str, Any]:
        assert response.status_code == code, response.text
        return dict(response.json())

    admin = w.admin
    condition = {"kind": "threshold", "key": w.keys[0], "op": ">", "value": 30}
    body = {"name": f"{w.marker}-rule", "alarm_type": f"{w.marker}_hot", "severity": "major", "condition": condition}
    rule = ok(client.post(f"/api/v1/profiles/{w.profile['id']}/rules", json=body, headers=admin))
    spare_rule = ok(
        client.post(f"/api/v1/profiles/{w.profile['id']}/rules", json={**body, "name": "spare"}, headers=admin)
    )
    entity = ok(client.post("/api/v1/entities", json={"kind": "household", "name": f"{w.marker}-home"}, headers=admin))
    entity = ok(
        client.put(f"/api/v1/entities/{entity['id']}/devices", json={"device_ids": [w.device["id"]]}, headers=admin),
        200,
    )
    spare_entity = ok(client.post("/api/v1/entities", json={"kind": "site", "name": "spare"}, headers=admin))
    overrides = f"/api/v1/rules/{rule['id']}/overrides"
    override = ok(
        client.put(
            overrides,
            json={"target_kind": "device", "target_id": w.device["id"], "params": {"condition": {"value": 35}}},
            headers=admin,
        ),
        200,
    )
    spare_override = ok(
        client.put(
            overrides, json={"target_kind": "entity", "target_id": entity["id"], "enabled": False}, headers=admin
        ),
        200,
    )
    occurrence = Occurrence(
        w.tenant.id, "device", w.device["id"], f"{w.marker}_hot", Severity.MAJOR, T0, {"note": f"{w.marker}-note"}
    )
    with platform.engine.begin() as conn:
        alarm, _ = raise_alarm(conn, occurrence, rule_id=rule["id"], listeners=platform.alarm_listeners)
    path = f"/api/v1/alarms/{alarm['id']}"
    ok(client.post(f"{path}/acknowledge", json={"text": f"{w.marker}-ack"}, headers=admin), 200)
    ok(client.post(f"{path}/assign", json={"assignee_id": w.user["id"]}, headers=admin), 200)
    ok(client.post(f"{path}/comments", json={"text": f"{w.marker}-comment"}, headers=admin))
    return AlarmObjects(rule, spare_rule, entity, spare_entity, override, spare_override, alarm)


def _telemetry(suffix: str) -> Callable[[World], Req]:
    return lambda w: Req("GET", f"/api/v1/devices/{w.device['id']}/{suffix}?{WINDOW}", expect=status(200))


def _login(tenant: str, username: str, password: str, expect: int) -> Req:
    body = {"tenant": tenant, "username": username, "password": password}
    return Req("POST", "/api/v1/auth/token", json=body, headers={}, expect=status(expect))


ROUTES: dict[tuple[str, str], RouteSpec] = {
    # --- public ---------------------------------------------------------------------------------------------
    ("GET", "/healthz"): RouteSpec("public", lambda w: Req("GET", "/healthz", expect=status(200))),
    ("GET", "/metrics"): RouteSpec("public", lambda w: Req("GET", "/metrics", expect=status(200))),
    ("GET", "/openapi.json"): RouteSpec("public", lambda w: Req("GET", "/openapi.json", expect=status(200))),
    ("GET", "/docs"): RouteSpec("public", lambda w: Req("GET", "/docs", expect=status(200))),
    ("GET", "/docs/oauth2-redirect"): RouteSpec(
        "public", lambda w: Req("GET", "/docs/oauth2-redirect", expect=status(200))
    ),
    ("POST", "/api/v1/auth/token"): RouteSpec(
        "public",
        lambda w: _login(w.tenant.id, f"admin-{w.tenant.id}", "password-1", 200),
        lambda a, b: [
            # A's admin with A's password cannot sign in to B, nor B's user to A.
            _login(b.tenant.id, f"admin-{a.tenant.id}", "password-1", 401),
            _login(a.tenant.id, b.user["username"], "correct-horse", 401),
        ],
    ),
    ("POST", "/api/v1/ingest/telemetry"): RouteSpec(
        "device",
        lambda w: Req(
            "POST",
            "/api/v1/ingest/telemetry",
            json={w.keys[0]: 1.5},
            headers=bearer(w.device["token"]),
            expect=status(200),
        ),
        lambda a, b: [
            # A's device stores under A's device only; a user's token is no device token.
            Req(
                "POST",
                "/api/v1/ingest/telemetry",
                json={a.keys[0]: 2.5},
                headers=bearer(a.device["token"]),
                expect=status(200),
            ),
            Req("POST", "/api/v1/ingest/telemetry", json={b.keys[0]: 3.5}, expect=status(401)),
        ],
    ),
    # --- the caller, the tenant ----------------------------------------------------------------------------
    ("POST", "/api/v1/auth/logout"): RouteSpec(
        "self",
        lambda w: Req("POST", "/api/v1/auth/logout", expect=status(204)),
        lambda a, b: [Req("POST", "/api/v1/auth/logout", expect=status(204))],
    ),
    ("GET", "/api/v1/me"): RouteSpec(
        "self",
        lambda w: Req("GET", "/api/v1/me", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/me", expect=status(200), check=about_tenant(a.tenant.id))],
    ),
    ("GET", "/api/v1/tenant"): RouteSpec(
        "self",
        lambda w: Req("GET", "/api/v1/tenant", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/tenant", expect=status(200), check=about_tenant(a.tenant.id))],
    ),
    ("PATCH", "/api/v1/tenant"): RouteSpec(
        "tenant",
        lambda w: Req("PATCH", "/api/v1/tenant", json={"name_en": "Renamed"}, expect=status(200)),
        lambda a, b: [
            Req(
                "PATCH",
                "/api/v1/tenant",
                json={"name": "A 시", "retention_days": 30},
                expect=status(200),
                check=about_tenant(a.tenant.id),
            )
        ],
    ),
    # --- departments, users, API keys ----------------------------------------------------------------------
    ("GET", "/api/v1/departments"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/departments", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/departments", expect=status(200), check=no_ids(b.department["id"]))],
    ),
    ("POST", "/api/v1/departments"): RouteSpec(
        "users",
        lambda w: Req("POST", "/api/v1/departments", json={"name": "role-test"}, expect=status(201)),
        # Names are unique per tenant only: B's name is free in A (a 409 would reveal B's data).
        lambda a, b: [
            Req(
                "POST",
                "/api/v1/departments",
                json={"name": b.department["name"]},
                expect=status(201),
                echo=True,
                reuses_name=True,
            )
        ],
    ),
    ("GET", "/api/v1/users"): RouteSpec(
        "users",
        lambda w: Req("GET", "/api/v1/users", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/users", expect=status(200), check=no_ids(b.user["id"]))],
    ),
    ("POST", "/api/v1/users"): RouteSpec(
        "users",
        lambda w: Req("POST", "/api/v1/users", json={"username": "role-test", "role": "viewer"}, expect=status(201)),
        lambda a, b: [
            Req(
                "POST",
                "/api/v1/users",
                json={"username": "in-b-department", "role": "viewer", "department_id": b.department["id"]},
                expect=status(404, 422),
            ),
            Req(
                "POST",
                "/api/v1/users",
                json={"username": b.user["username"], "role": "viewer"},
                expect=status(201),
                echo=True,
                reuses_name=True,
            ),
        ],
    ),
    ("GET", "/api/v1/users/{user_id}"): RouteSpec(
        "users",
        lambda w: Req("GET", f"/api/v1/users/{w.user['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/users/{b.user['id']}")],
    ),
    ("PATCH", "/api/v1/users/{user_id}"): RouteSpec(
        "users",
        lambda w: Req("PATCH", f"/api/v1/users/{w.user['id']}", json={"display_name": "x"}, expect=status(200)),
        lambda a, b: [
            Req("PATCH", f"/api/v1/users/{b.user['id']}", json={"active": False, "display_name": "hijacked"}),
            Req("PATCH", f"/api/v1/users/{b.user['id']}", json={"role": "admin", "password": "taken-over-1"}),
        ],
    ),
    ("GET", "/api/v1/api-keys"): RouteSpec(
        "users",
        lambda w: Req("GET", "/api/v1/api-keys", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/api-keys", expect=status(200), check=no_ids(b.api_key["id"]))],
    ),
    ("POST", "/api/v1/api-keys"): RouteSpec(
        "users",
        lambda w: Req("POST", "/api/v1/api-keys", json={"name": "role-test"}, expect=status(201)),
        lambda a, b: [Req("POST", "/api/v1/api-keys", json={"name": "as-b", "user_id": b.user["id"]})],
    ),
    ("DELETE", "/api/v1/api-keys/{key_id}"): RouteSpec(
        "users",
        lambda w: Req("DELETE", f"/api/v1/api-keys/{w.api_key['id']}", expect=status(204)),
        lambda a, b: [Req("DELETE", f"/api/v1/api-keys/{b.api_key['id']}")],
    ),
    # --- districts -------------------------------------------------------------------------------------------
    ("GET", "/api/v1/districts"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/districts", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/districts", expect=status(200))],
    ),
    ("PUT", "/api/v1/districts"): RouteSpec(
        "tenant",
        lambda w: Req(
            "PUT", "/api/v1/districts", json=district_collection("9999999", "시험동", 127, 37), expect=status(200)
        ),
        # The same code in A replaces A's districts only.
        lambda a, b: [
            Req(
                "PUT",
                "/api/v1/districts",
                json=district_collection(b.district_code, "A-dong", 127.0, 37.0),
                expect=status(200),
            )
        ],
    ),
    # --- profiles --------------------------------------------------------------------------------------------
    ("GET", "/api/v1/profiles"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/profiles", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/profiles",
                expect=status(200),
                check=no_ids(b.profile["id"], b.spare_profile["id"], b.device["profile_id"]),
            )
        ],
    ),
    ("POST", "/api/v1/profiles"): RouteSpec(
        "devices",
        lambda w: Req("POST", "/api/v1/profiles", json={"name": "role-test"}, expect=status(201)),
        lambda a, b: [
            Req(
                "POST",
                "/api/v1/profiles",
                json={"name": b.profile["name"]},
                expect=status(201),
                echo=True,
                reuses_name=True,
            )
        ],
    ),
    ("GET", "/api/v1/profiles/{profile_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/profiles/{w.profile['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/profiles/{b.profile['id']}")],
    ),
    ("PATCH", "/api/v1/profiles/{profile_id}"): RouteSpec(
        "devices",
        lambda w: Req("PATCH", f"/api/v1/profiles/{w.profile['id']}", json={"description": "x"}, expect=status(200)),
        lambda a, b: [
            Req("PATCH", f"/api/v1/profiles/{b.profile['id']}", json={"description": "hijacked", "keys": []}),
        ],
    ),
    ("DELETE", "/api/v1/profiles/{profile_id}"): RouteSpec(
        "devices",
        lambda w: Req("DELETE", f"/api/v1/profiles/{w.spare_profile['id']}", expect=status(204)),
        lambda a, b: [Req("DELETE", f"/api/v1/profiles/{b.spare_profile['id']}")],
    ),
    # --- devices ---------------------------------------------------------------------------------------------
    ("GET", "/api/v1/devices"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/devices", expect=status(200)),
        lambda a, b: [
            Req("GET", "/api/v1/devices", expect=status(200), check=no_ids(b.device["id"], b.spare_device["id"])),
            Req("GET", f"/api/v1/devices?profile_id={b.profile['id']}", expect=status(200), check=empty_list),
            Req("GET", f"/api/v1/devices?district_code={b.district_code}", expect=status(200), check=empty_list),
        ],
    ),
    ("POST", "/api/v1/devices"): RouteSpec(
        "devices",
        lambda w: Req("POST", "/api/v1/devices", json={"name": "role-test"}, expect=status(201)),
        lambda a, b: [
            Req("POST", "/api/v1/devices", json={"name": "x1", "profile": b.profile["id"]}, expect=status(404, 422)),
            Req(
                "POST",
                "/api/v1/devices",
                json={"name": "x2", "profile": b.profile["name"]},
                expect=status(404, 422),
                echo=True,
            ),
            Req("POST", "/api/v1/devices", json={"name": "x3", "gateway_id": b.device["id"]}, expect=status(404, 422)),
        ],
    ),
    ("POST", "/api/v1/devices/import"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST", "/api/v1/devices/import", content=csv_body("name\nrole-test-import\n"), expect=status(201)
        ),
        lambda a, b: [
            Req(
                "POST",
                "/api/v1/devices/import",
                content=csv_body(f"name,profile\nimp-1,{b.profile['name']}\n"),
                expect=status(422),
                echo=True,
            ),
            Req(
                "POST",
                "/api/v1/devices/import",
                content=csv_body(f"name,gateway\nimp-2,{b.device['name']}\n"),
                expect=status(422),
                echo=True,
            ),
        ],
    ),
    ("GET", "/api/v1/devices/{device_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/devices/{w.device['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/devices/{b.device['id']}")],
    ),
    ("PATCH", "/api/v1/devices/{device_id}"): RouteSpec(
        "devices",
        lambda w: Req("PATCH", f"/api/v1/devices/{w.device['id']}", json={"attributes": {}}, expect=status(200)),
        lambda a, b: [
            Req("PATCH", f"/api/v1/devices/{b.device['id']}", json={"name": "hijacked", "attributes": {}}),
            Req("PATCH", f"/api/v1/devices/{b.spare_device['id']}", json={"profile": a.profile["id"]}),
        ],
    ),
    ("DELETE", "/api/v1/devices/{device_id}"): RouteSpec(
        "devices",
        lambda w: Req("DELETE", f"/api/v1/devices/{w.spare_device['id']}", expect=status(204)),
        lambda a, b: [Req("DELETE", f"/api/v1/devices/{b.spare_device['id']}")],
    ),
    ("POST", "/api/v1/devices/{device_id}/rotate-token"): RouteSpec(
        "devices",
        lambda w: Req("POST", f"/api/v1/devices/{w.spare_device['id']}/rotate-token", expect=status(200)),
        lambda a, b: [Req("POST", f"/api/v1/devices/{b.device['id']}/rotate-token")],
    ),
    # --- telemetry and dead letters ---------------------------------------------------------------------------
    ("GET", "/api/v1/devices/{device_id}/latest"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/devices/{w.device['id']}/latest", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/devices/{b.device['id']}/latest")],
    ),
    ("GET", "/api/v1/devices/{device_id}/telemetry"): RouteSpec(
        "read",
        _telemetry("telemetry"),
        lambda a, b: [
            Req("GET", f"/api/v1/devices/{b.device['id']}/telemetry?{WINDOW}"),
            Req("GET", f"/api/v1/devices/{b.device['id']}/telemetry?{WINDOW}&interval=1h&keys={b.keys[0]}", echo=True),
        ],
    ),
    ("GET", "/api/v1/devices/{device_id}/telemetry.csv"): RouteSpec(
        "read",
        _telemetry("telemetry.csv"),
        lambda a, b: [Req("GET", f"/api/v1/devices/{b.device['id']}/telemetry.csv?{WINDOW}")],
    ),
    ("GET", "/api/v1/dead-letters"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/dead-letters", expect=status(200)),
        lambda a, b: [
            Req("GET", "/api/v1/dead-letters", expect=status(200), check=dead_letters_of(a.tenant.id)),
            Req("GET", f"/api/v1/dead-letters?device_id={b.device['id']}", expect=status(200), check=empty_list),
        ],
    ),
    # --- alarms ----------------------------------------------------------------------------------------------
    ("GET", "/api/v1/alarms"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/alarms", expect=status(200)),
        lambda a, b: [
            Req("GET", "/api/v1/alarms", expect=status(200), check=no_ids(x(b).alarm["id"])),
            Req("GET", f"/api/v1/alarms?device_id={b.device['id']}", expect=status(200), check=empty_list),
            Req("GET", f"/api/v1/alarms?entity_id={x(b).entity['id']}", expect=status(200), check=empty_list),
            Req("GET", f"/api/v1/alarms?assignee_id={b.user['id']}", expect=status(200), check=empty_list),
            Req("GET", f"/api/v1/alarms?type={b.marker}_hot", expect=status(200), check=empty_list, echo=True),
        ],
    ),
    ("GET", "/api/v1/alarms/{alarm_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/alarms/{x(w).alarm['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/alarms/{x(b).alarm['id']}")],
    ),
    ("POST", "/api/v1/alarms/{alarm_id}/acknowledge"): RouteSpec(
        "alarms",
        lambda w: Req("POST", f"/api/v1/alarms/{x(w).alarm['id']}/acknowledge", json={"text": "x"}, expect=status(200)),
        lambda a, b: [Req("POST", f"/api/v1/alarms/{x(b).alarm['id']}/acknowledge", json={"text": "hijacked"})],
    ),
    ("POST", "/api/v1/alarms/{alarm_id}/clear"): RouteSpec(
        "alarms",
        lambda w: Req("POST", f"/api/v1/alarms/{x(w).alarm['id']}/clear", expect=status(200)),
        lambda a, b: [Req("POST", f"/api/v1/alarms/{x(b).alarm['id']}/clear")],
    ),
    ("POST", "/api/v1/alarms/{alarm_id}/assign"): RouteSpec(
        "alarms",
        lambda w: Req(
            "POST", f"/api/v1/alarms/{x(w).alarm['id']}/assign", json={"assignee_id": None}, expect=status(200)
        ),
        lambda a, b: [
            Req("POST", f"/api/v1/alarms/{x(b).alarm['id']}/assign", json={"assignee_id": a.user["id"]}),
            Req("POST", f"/api/v1/alarms/{x(b).alarm['id']}/assign", json={"assignee_id": None}),
            Req(
                "POST",
                f"/api/v1/alarms/{x(a).alarm['id']}/assign",
                json={"assignee_id": b.user["id"]},
                expect=status(404, 422),
            ),
        ],
    ),
    ("POST", "/api/v1/alarms/{alarm_id}/comments"): RouteSpec(
        "alarms",
        lambda w: Req("POST", f"/api/v1/alarms/{x(w).alarm['id']}/comments", json={"text": "x"}, expect=status(201)),
        lambda a, b: [Req("POST", f"/api/v1/alarms/{x(b).alarm['id']}/comments", json={"text": "hijacked"})],
    ),
    # --- rules, entities, overrides ----------------------------------------------------------------------------
    ("GET", "/api/v1/profiles/{profile_id}/rules"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/profiles/{w.profile['id']}/rules", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/profiles/{b.profile['id']}/rules")],
    ),
    ("POST", "/api/v1/profiles/{profile_id}/rules"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST",
            f"/api/v1/profiles/{w.profile['id']}/rules",
            json={
                "name": "role-test",
                "alarm_type": "t",
                "severity": "minor",
                "condition": {"kind": "no_data", "silent_s": 60},
            },
            expect=status(201),
        ),
        lambda a, b: [
            Req(
                "POST",
                f"/api/v1/profiles/{b.profile['id']}/rules",
                json={
                    "name": "in-b",
                    "alarm_type": "t",
                    "severity": "minor",
                    "condition": {"kind": "no_data", "silent_s": 60},
                },
            )
        ],
    ),
    ("GET", "/api/v1/rules/{rule_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/rules/{x(w).rule['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/rules/{x(b).rule['id']}")],
    ),
    ("PATCH", "/api/v1/rules/{rule_id}"): RouteSpec(
        "devices",
        lambda w: Req("PATCH", f"/api/v1/rules/{x(w).rule['id']}", json={"name": "x"}, expect=status(200)),
        lambda a, b: [
            Req("PATCH", f"/api/v1/rules/{x(b).rule['id']}", json={"name": "hijacked", "enabled": False}),
        ],
    ),
    ("DELETE", "/api/v1/rules/{rule_id}"): RouteSpec(
        "devices",
        lambda w: Req("DELETE", f"/api/v1/rules/{x(w).spare_rule['id']}", expect=status(204)),
        lambda a, b: [Req("DELETE", f"/api/v1/rules/{x(b).spare_rule['id']}")],
    ),
    ("GET", "/api/v1/rules/{rule_id}/overrides"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/rules/{x(w).rule['id']}/overrides", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/rules/{x(b).rule['id']}/overrides")],
    ),
    ("PUT", "/api/v1/rules/{rule_id}/overrides"): RouteSpec(
        "devices",
        lambda w: Req(
            "PUT",
            f"/api/v1/rules/{x(w).rule['id']}/overrides",
            json={"target_kind": "device", "target_id": w.spare_device["id"]},
            expect=status(200),
        ),
        lambda a, b: [
            Req(
                "PUT",
                f"/api/v1/rules/{x(b).rule['id']}/overrides",
                json={"target_kind": "device", "target_id": a.device["id"], "enabled": False},
            ),
            Req(
                "PUT",
                f"/api/v1/rules/{x(b).rule['id']}/overrides",
                json={"target_kind": "device", "target_id": b.device["id"], "enabled": False},
            ),
            Req(
                "PUT",
                f"/api/v1/rules/{x(a).rule['id']}/overrides",
                json={"target_kind": "device", "target_id": b.device["id"]},
                expect=status(404, 422),
            ),
            Req(
                "PUT",
                f"/api/v1/rules/{x(a).rule['id']}/overrides",
                json={"target_kind": "entity", "target_id": x(b).entity["id"]},
                expect=status(404, 422),
            ),
        ],
    ),
    ("DELETE", "/api/v1/rule-overrides/{override_id}"): RouteSpec(
        "devices",
        lambda w: Req("DELETE", f"/api/v1/rule-overrides/{x(w).spare_override['id']}", expect=status(204)),
        lambda a, b: [
            Req("DELETE", f"/api/v1/rule-overrides/{x(b).override['id']}"),
            Req("DELETE", f"/api/v1/rule-overrides/{x(b).spare_override['id']}"),
        ],
    ),
    ("GET", "/api/v1/entities"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/entities", expect=status(200)),
        lambda a, b: [
            Req(
                "GET", "/api/v1/entities", expect=status(200), check=no_ids(x(b).entity["id"], x(b).spare_entity["id"])
            ),
            Req("GET", "/api/v1/entities?kind=household", expect=status(200), check=no_ids(x(b).entity["id"])),
        ],
    ),
    ("POST", "/api/v1/entities"): RouteSpec(
        "devices",
        lambda w: Req("POST", "/api/v1/entities", json={"kind": "household", "name": "role-test"}, expect=status(201)),
        lambda a, b: [
            Req(
                "POST",
                "/api/v1/entities",
                json={"kind": "household", "name": x(b).entity["name"]},
                expect=status(201),
                echo=True,
                reuses_name=True,
            )
        ],
    ),
    ("GET", "/api/v1/entities/{entity_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/entities/{x(w).entity['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/entities/{x(b).entity['id']}")],
    ),
    ("DELETE", "/api/v1/entities/{entity_id}"): RouteSpec(
        "devices",
        lambda w: Req("DELETE", f"/api/v1/entities/{x(w).spare_entity['id']}", expect=status(204)),
        lambda a, b: [Req("DELETE", f"/api/v1/entities/{x(b).spare_entity['id']}")],
    ),
    ("PUT", "/api/v1/entities/{entity_id}/devices"): RouteSpec(
        "devices",
        lambda w: Req(
            "PUT",
            f"/api/v1/entities/{x(w).spare_entity['id']}/devices",
            json={"device_ids": [w.spare_device["id"]]},
            expect=status(200),
        ),
        lambda a, b: [
            Req("PUT", f"/api/v1/entities/{x(b).entity['id']}/devices", json={"device_ids": []}),
            Req("PUT", f"/api/v1/entities/{x(b).entity['id']}/devices", json={"device_ids": [a.device["id"]]}),
            Req(
                "PUT",
                f"/api/v1/entities/{x(a).entity['id']}/devices",
                json={"device_ids": [a.device["id"], b.device["id"]]},
                expect=status(404, 422),
            ),
        ],
    ),
}


# --- notifications ----------------------------------------------------------------------------------------------


@dataclass
class NotifyObjects:
    """A world's notification settings: contacts, escalation policies, and one queued notification."""

    contact: dict[str, Any]
    spare_contact: dict[str, Any]
    policy: dict[str, Any]
    spare_policy: dict[str, Any]
    notification: dict[str, Any]
    vapid_public_key: str


NOTIFY_OBJECTS: dict[str, NotifyObjects] = {}  # by tenant id, filled by the ``worlds`` fixture


def n(world: World) -> NotifyObjects:
    return NOTIFY_OBJECTS[world.tenant.id]


def build_notify_objects(client: TestClient, platform: Platform, w: World) -> NotifyObjects:
    """A webhook channel and a contact on it (both naming the world's marker), a policy notifying the contact, and
    an alarm that queued a notification (to a closed local port: it is never delivered)."""

    def ok(response: Any, code: int = 201) -> dict[str, Any]:
        assert response.status_code == code, response.text
        return dict(response.json())

    admin = w.admin
    url = f"http://127.0.0.1:9/{w.marker}/hook"
    hook = {"endpoints": [{"url": url, "secret": f"{w.marker}-hook-secret-0001"}]}
    ok(client.put("/api/v1/notification-channels/webhook", json=hook, headers=admin), 200)
    push = {"vapid_key_file": f"vapid/{w.marker}.pem", "subject": "mailto:ops@example.kr"}
    ok(client.put("/api/v1/notification-channels/webpush", json=push, headers=admin), 200)
    vapid = ok(client.get("/api/v1/notifications/webpush/vapid-public-key", headers=admin), 200)["public_key"]
    body = {"name": f"{w.marker}-family", "addresses": {"webhook": url}, "channels": ["webhook"]}
    contact = ok(client.post("/api/v1/contacts", json=body, headers=admin))
    spare_contact = ok(client.post("/api/v1/contacts", json={"name": "spare"}, headers=admin))
    steps = [{"delay_s": 0, "contacts": [contact["id"]]}]
    policy = ok(
        client.post("/api/v1/escalation-policies", json={"name": f"{w.marker}-policy", "steps": steps}, headers=admin)
    )
    spare = {"name": "spare", "alarm_type": "none", "steps": [{"delay_s": 0, "assignee": True}]}
    spare_policy = ok(client.post("/api/v1/escalation-policies", json=spare, headers=admin))
    occurrence = Occurrence(w.tenant.id, "device", w.device["id"], f"{w.marker}_fall", Severity.CRITICAL, T0, {})
    with platform.engine.begin() as conn:
        raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
    [notification] = ok(client.get("/api/v1/notifications", headers=admin), 200)["items"]
    return NotifyObjects(contact, spare_contact, policy, spare_policy, notification, vapid)


def vapid_key_is(own: str, not_: str) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        key = response.json()["public_key"]
        assert key == own and key != not_, "another tenant's Web Push key"

    return check


def _policy_body(w: World) -> dict[str, Any]:
    return {"name": f"{w.marker}-policy", "steps": [{"delay_s": 0, "contacts": [n(w).contact["id"]]}]}


# The delivery log names people and their addresses: staff who handle alarms read it, viewers do not.
ALLOWED["notify_log"] = frozenset({Role.ADMIN, Role.OPERATOR, Role.CASEWORKER})

NOTIFY_ROUTES: dict[tuple[str, str], RouteSpec] = {
    ("GET", "/api/v1/notification-channels"): RouteSpec(
        "tenant",
        lambda w: Req("GET", "/api/v1/notification-channels", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/notification-channels", expect=status(200))],
    ),
    ("PUT", "/api/v1/notification-channels/{channel}"): RouteSpec(
        "tenant",
        lambda w: Req(
            "PUT",
            "/api/v1/notification-channels/sms",
            json={"url": "http://127.0.0.1:9/sms", "body_template": {"to": "{to}", "text": "{text}"}},
            expect=status(200),
        ),
        # A masked secret keeps only A's own stored secret: B's endpoint URL finds nothing to restore.
        lambda a, b: [
            Req(
                "PUT",
                "/api/v1/notification-channels/webhook",
                json={"endpoints": [{"url": f"http://127.0.0.1:9/{b.marker}/hook", "secret": "********"}]},
                expect=status(422),
                echo=True,
            )
        ],
    ),
    ("DELETE", "/api/v1/notification-channels/{channel}"): RouteSpec(
        "tenant",
        lambda w: Req("DELETE", "/api/v1/notification-channels/email", expect=status(404)),
        lambda a, b: [Req("DELETE", "/api/v1/notification-channels/email")],
    ),
    ("GET", "/api/v1/contacts"): RouteSpec(
        "tenant",
        lambda w: Req("GET", "/api/v1/contacts", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/contacts",
                expect=status(200),
                check=no_ids(n(b).contact["id"], n(b).spare_contact["id"]),
            )
        ],
    ),
    ("POST", "/api/v1/contacts"): RouteSpec(
        "tenant",
        lambda w: Req("POST", "/api/v1/contacts", json={"name": "role-test"}, expect=status(201)),
        lambda a, b: [Req("POST", "/api/v1/contacts", json={"name": "x", "user_id": b.user["id"]}, expect=status(422))],
    ),
    ("GET", "/api/v1/contacts/{contact_id}"): RouteSpec(
        "tenant",
        lambda w: Req("GET", f"/api/v1/contacts/{n(w).contact['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/contacts/{n(b).contact['id']}")],
    ),
    ("PATCH", "/api/v1/contacts/{contact_id}"): RouteSpec(
        "tenant",
        lambda w: Req("PATCH", f"/api/v1/contacts/{n(w).contact['id']}", json={"note": "x"}, expect=status(200)),
        lambda a, b: [Req("PATCH", f"/api/v1/contacts/{n(b).contact['id']}", json={"name": "hijacked"})],
    ),
    ("DELETE", "/api/v1/contacts/{contact_id}"): RouteSpec(
        "tenant",
        lambda w: Req("DELETE", f"/api/v1/contacts/{n(w).spare_contact['id']}", expect=status(204)),
        lambda a, b: [Req("DELETE", f"/api/v1/contacts/{n(b).spare_contact['id']}")],
    ),
    ("GET", "/api/v1/escalation-policies"): RouteSpec(
        "tenant",
        lambda w: Req("GET", "/api/v1/escalation-policies", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/escalation-policies",
                expect=status(200),
                check=no_ids(n(b).policy["id"], n(b).spare_policy["id"]),
            )
        ],
    ),
    ("POST", "/api/v1/escalation-policies"): RouteSpec(
        "tenant",
        lambda w: Req(
            "POST",
            "/api/v1/escalation-policies",
            json={"name": "role-test", "steps": [{"delay_s": 0, "assignee": True}]},
            expect=status(201),
        ),
        # B's contacts and users are no recipients in A.
        lambda a, b: [
            Req("POST", "/api/v1/escalation-policies", json=_policy_body(b), expect=status(422), echo=True),
            Req(
                "POST",
                "/api/v1/escalation-policies",
                json={"name": "x", "steps": [{"delay_s": 0, "users": [b.user["id"]]}]},
                expect=status(422),
            ),
        ],
    ),
    ("GET", "/api/v1/escalation-policies/{policy_id}"): RouteSpec(
        "tenant",
        lambda w: Req("GET", f"/api/v1/escalation-policies/{n(w).policy['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/escalation-policies/{n(b).policy['id']}")],
    ),
    ("PUT", "/api/v1/escalation-policies/{policy_id}"): RouteSpec(
        "tenant",
        lambda w: Req(
            "PUT", f"/api/v1/escalation-policies/{n(w).policy['id']}", json=_policy_body(w), expect=status(200)
        ),
        lambda a, b: [Req("PUT", f"/api/v1/escalation-policies/{n(b).policy['id']}", json=_policy_body(a))],
    ),
    ("DELETE", "/api/v1/escalation-policies/{policy_id}"): RouteSpec(
        "tenant",
        lambda w: Req("DELETE", f"/api/v1/escalation-policies/{n(w).spare_policy['id']}", expect=status(204)),
        lambda a, b: [Req("DELETE", f"/api/v1/escalation-policies/{n(b).spare_policy['id']}")],
    ),
    # Every user reads the tenant's own Web Push key (public by design): never the other tenant's.
    ("GET", "/api/v1/notifications/webpush/vapid-public-key"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/notifications/webpush/vapid-public-key", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/notifications/webpush/vapid-public-key",
                expect=status(200),
                check=vapid_key_is(n(a).vapid_public_key, not_=n(b).vapid_public_key),
            )
        ],
    ),
    ("GET", "/api/v1/notifications"): RouteSpec(
        "notify_log",
        lambda w: Req("GET", "/api/v1/notifications", expect=status(200)),
        lambda a, b: [
            Req("GET", "/api/v1/notifications", expect=status(200), check=no_ids(n(b).notification["id"])),
            Req(
                "GET",
                f"/api/v1/notifications?alarm_id={n(b).notification['alarm_id']}",
                expect=status(200),
                check=empty_list,
            ),
            Req(
                "GET",
                f"/api/v1/notifications?recipient={n(b).notification['recipient']}",
                expect=status(200),
                check=no_ids(n(b).notification["id"]),
            ),
        ],
    ),
    ("GET", "/api/v1/notifications/{notification_id}"): RouteSpec(
        "notify_log",
        lambda w: Req("GET", f"/api/v1/notifications/{n(w).notification['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/notifications/{n(b).notification['id']}", echo=True)],
    ),
    ("GET", "/api/v1/notifications/{notification_id}/attempts"): RouteSpec(
        "notify_log",
        lambda w: Req("GET", f"/api/v1/notifications/{n(w).notification['id']}/attempts", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/notifications/{n(b).notification['id']}/attempts", echo=True)],
    ),
}
ROUTES.update(NOTIFY_ROUTES)

# --- web console and portal (maeul/web) ----------------------------------------------------------------------------
# Pages answer bearer callers like the API (JSON errors); browsers get HTML. Forms anyone may send carry the CSRF
# token of their cookie (double submit); form fields may be sent as JSON.
WEB_CSRF = {"Cookie": "maeul_csrf=isolation-test", "X-CSRF-Token": "isolation-test"}


def _page(path: str) -> Callable[[World], Req]:
    return lambda w: Req("GET", path, expect=status(200))


def _only_devices(*ids: int) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        found = [feature["properties"]["id"] for feature in response.json()["features"]]
        assert found == list(ids), f"map devices {found}, expected {list(ids)}"

    return check


def _web_sign_in(tenant: str, username: str, password: str, expect: int) -> Req:
    body = {"tenant": tenant, "username": username, "password": password, "next": "/portal"}
    return Req("POST", "/console/sign-in", json=body, headers=WEB_CSRF, expect=status(expect))


WEB_ROUTES: dict[tuple[str, str], RouteSpec] = {
    ("GET", "/static/web"): RouteSpec("public", _page("/static/web/maeul.css")),
    ("GET", "/static/vendor/htmx"): RouteSpec("public", _page("/static/vendor/htmx/htmx.min.js")),
    ("GET", "/static/vendor/leaflet"): RouteSpec("public", _page("/static/vendor/leaflet/leaflet.js")),
    ("GET", "/static/vendor/uplot"): RouteSpec("public", _page("/static/vendor/uplot/uPlot.iife.min.js")),
    ("GET", "/portal"): RouteSpec("public", _page("/portal")),
    ("GET", "/portal/reports"): RouteSpec("public", _page("/portal/reports")),
    ("GET", "/portal/alerts"): RouteSpec("public", _page("/portal/alerts")),
    ("GET", "/portal/settings"): RouteSpec("public", _page("/portal/settings")),
    ("GET", "/console/sign-in"): RouteSpec("public", _page("/console/sign-in")),
    ("POST", "/prefs"): RouteSpec(
        "public",
        lambda w: Req("POST", "/prefs", json={"lang": "en", "next": "/portal"}, headers=WEB_CSRF, expect=status(200)),
    ),
    ("POST", "/console/sign-in"): RouteSpec(
        "public",
        lambda w: _web_sign_in(w.tenant.id, f"viewer-{w.tenant.id}", "password-1", 200),
        lambda a, b: [
            _web_sign_in(b.tenant.id, f"admin-{a.tenant.id}", "password-1", 401),
            _web_sign_in(a.tenant.id, b.user["username"], "correct-horse", 401),
            # Without the CSRF token nothing is checked at all.
            Req("POST", "/console/sign-in", json={"tenant": a.tenant.id}, headers={}, expect=status(403)),
        ],
    ),
    ("POST", "/console/sign-out"): RouteSpec(
        "public", lambda w: Req("POST", "/console/sign-out", json={}, headers=WEB_CSRF, expect=status(200))
    ),
    ("GET", "/console"): RouteSpec(
        "read", _page("/console"), lambda a, b: [Req("GET", "/console", expect=status(200))]
    ),
    ("GET", "/console/map/devices.geojson"): RouteSpec(
        "read",
        _page("/console/map/devices.geojson"),
        lambda a, b: [
            Req(
                "GET",
                "/console/map/devices.geojson",
                expect=status(200),
                check=_only_devices(a.device["id"]),
            )
        ],
    ),
    ("GET", "/console/devices"): RouteSpec(
        "read",
        _page("/console/devices"),
        lambda a, b: [
            Req("GET", "/console/devices", expect=status(200)),
            Req("GET", f"/console/devices?profile={b.profile['id']}&district={b.district_code}", expect=status(200)),
        ],
    ),
    ("GET", "/console/devices/{device_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/console/devices/{w.device['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/console/devices/{b.device['id']}")],
    ),
    ("GET", "/console/devices/{device_id}/latest"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/console/devices/{w.device['id']}/latest", expect=status(200)),
        lambda a, b: [Req("GET", f"/console/devices/{b.device['id']}/latest")],
    ),
    ("POST", "/console/devices/{device_id}/rotate-token"): RouteSpec(
        "devices",
        lambda w: Req("POST", f"/console/devices/{w.spare_device['id']}/rotate-token", expect=status(200)),
        lambda a, b: [Req("POST", f"/console/devices/{b.device['id']}/rotate-token")],
    ),
    ("GET", "/console/alarms"): RouteSpec(
        "read",
        _page("/console/alarms"),
        lambda a, b: [
            Req("GET", "/console/alarms?status=all", expect=status(200)),
            Req("GET", f"/console/alarms?status=all&type={b.marker}_hot", expect=status(200), echo=True),
        ],
    ),
    ("GET", "/console/alarms/rows"): RouteSpec(
        "read",
        _page("/console/alarms/rows"),
        lambda a, b: [Req("GET", "/console/alarms/rows?status=all", expect=status(200))],
    ),
    ("GET", "/console/alarms/stream"): RouteSpec(
        "read",
        _page("/console/alarms/stream?max_s=0"),
        lambda a, b: [Req("GET", "/console/alarms/stream?max_s=0", expect=status(200))],
    ),
    ("GET", "/console/alarms/{alarm_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/console/alarms/{x(w).alarm['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/console/alarms/{x(b).alarm['id']}")],
    ),
    ("POST", "/console/alarms/{alarm_id}/action"): RouteSpec(
        "alarms",
        lambda w: Req(
            "POST",
            f"/console/alarms/{x(w).alarm['id']}/action",
            json={"action": "comment", "text": "x"},
            expect=status(200),
        ),
        lambda a, b: [
            Req("POST", f"/console/alarms/{x(b).alarm['id']}/action", json={"action": "clear"}),
            Req(
                "POST", f"/console/alarms/{x(b).alarm['id']}/action", json={"action": "acknowledge", "text": "hijacked"}
            ),
            Req("POST", f"/console/alarms/{x(b).alarm['id']}/action", json={"action": "comment", "text": "hijacked"}),
            Req(
                "POST",
                f"/console/alarms/{x(b).alarm['id']}/action",
                json={"action": "assign", "assignee_id": a.user["id"]},
            ),
            Req(
                "POST",
                f"/console/alarms/{x(a).alarm['id']}/action",
                json={"action": "assign", "assignee_id": b.user["id"]},
                expect=status(404, 422),
            ),
        ],
    ),
    ("GET", "/console/admin"): RouteSpec(
        "devices", _page("/console/admin"), lambda a, b: [Req("GET", "/console/admin", expect=status(200))]
    ),
    ("GET", "/console/admin/profiles"): RouteSpec(
        "devices",
        _page("/console/admin/profiles"),
        lambda a, b: [Req("GET", "/console/admin/profiles", expect=status(200))],
    ),
    ("GET", "/console/admin/import"): RouteSpec(
        "devices",
        _page("/console/admin/import"),
        lambda a, b: [Req("GET", "/console/admin/import", expect=status(200))],
    ),
    ("POST", "/console/admin/import"): RouteSpec(
        "devices",
        lambda w: Req("POST", "/console/admin/import", json={"file": "name\nweb-import\n"}, expect=status(201)),
        lambda a, b: [
            Req(
                "POST",
                "/console/admin/import",
                json={"file": f"name,profile\nweb-imp-1,{b.profile['name']}\n"},
                expect=status(422),
                echo=True,
            ),
            Req(
                "POST",
                "/console/admin/import",
                json={"file": f"name,gateway\nweb-imp-2,{b.device['name']}\n"},
                expect=status(422),
                echo=True,
            ),
        ],
    ),
    ("GET", "/console/admin/users"): RouteSpec(
        "users", _page("/console/admin/users"), lambda a, b: [Req("GET", "/console/admin/users", expect=status(200))]
    ),
    ("POST", "/console/admin/users"): RouteSpec(
        "users",
        lambda w: Req(
            "POST", "/console/admin/users", json={"username": "web-role-test", "role": "viewer"}, expect=status(200)
        ),
        lambda a, b: [
            Req(
                "POST",
                "/console/admin/users",
                json={"username": "web-in-b-dept", "role": "viewer", "department_id": str(b.department["id"])},
                expect=status(404, 422),
            )
        ],
    ),
    ("POST", "/console/admin/users/{user_id}"): RouteSpec(
        "users",
        lambda w: Req("POST", f"/console/admin/users/{w.user['id']}", json={"role": "caseworker"}, expect=status(200)),
        lambda a, b: [
            Req("POST", f"/console/admin/users/{b.user['id']}", json={"role": "admin", "active": "false"}),
            Req(
                "POST",
                f"/console/admin/users/{a.user['id']}",
                json={"department_id": str(b.department["id"])},
                expect=status(404, 422),
            ),
        ],
    ),
    ("POST", "/console/admin/departments"): RouteSpec(
        "users",
        lambda w: Req("POST", "/console/admin/departments", json={"name": "web-role-test"}, expect=status(200)),
        lambda a, b: [
            Req(
                "POST",
                "/console/admin/departments",
                json={"name": b.department["name"]},
                expect=status(200, 409),  # 409 when the API's own test already made this name in A
                echo=True,
                reuses_name=True,
            )
        ],
    ),
    ("POST", "/console/admin/rules/{rule_id}"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST", f"/console/admin/rules/{x(w).spare_rule['id']}", json={"enabled": "true"}, expect=status(200)
        ),
        lambda a, b: [Req("POST", f"/console/admin/rules/{x(b).rule['id']}", json={"enabled": "false"})],
    ),
    ("POST", "/console/admin/policies"): RouteSpec(
        "tenant",
        lambda w: Req(
            "POST",
            "/console/admin/policies",
            json={"policy": '{"name": "web-role-test", "steps": [{"delay_s": 0, "assignee": true}]}'},
            expect=status(200),
        ),
        # B's contacts are no recipients in A.
        lambda a, b: [
            Req(
                "POST",
                "/console/admin/policies",
                json={
                    "policy": '{"name": "x", "steps": [{"delay_s": 0, "contacts": [' + str(n(b).contact["id"]) + "]}]}"
                },
                expect=status(422),
            )
        ],
    ),
    ("POST", "/console/admin/policies/{policy_id}/delete"): RouteSpec(
        "tenant",
        lambda w: Req("POST", f"/console/admin/policies/{n(w).spare_policy['id']}/delete", expect=status(200)),
        lambda a, b: [Req("POST", f"/console/admin/policies/{n(b).spare_policy['id']}/delete")],
    ),
    ("POST", "/console/admin/channels"): RouteSpec(
        "tenant",
        lambda w: Req(
            "POST",
            "/console/admin/channels",
            json={"channel": "sms", "config": '{"url": "http://127.0.0.1:9/sms", "body_template": {"to": "{to}"}}'},
            expect=status(200),
        ),
        # A masked secret keeps only A's own stored secret.
        lambda a, b: [
            Req(
                "POST",
                "/console/admin/channels",
                json={
                    "channel": "webhook",
                    "config": '{"endpoints": [{"url": "http://127.0.0.1:9/'
                    + b.marker
                    + '/hook", "secret": "********"}]}',
                },
                expect=status(422),
                echo=True,
            )
        ],
    ),
    ("GET", "/console/admin/notifications"): RouteSpec(
        "tenant",
        _page("/console/admin/notifications"),
        lambda a, b: [Req("GET", "/console/admin/notifications", expect=status(200))],
    ),
    # Profiles, rules and overrides edited from the console (maeul/web/routes/console_profiles.py), and the
    # portal's public Web Push key (the public half of each tenant's VAPID key pair).
    ("GET", "/portal/push/vapid-public-key"): RouteSpec(
        "public",
        lambda w: Req("GET", f"/portal/push/vapid-public-key?tenant={w.tenant.id}", headers={}, expect=status(200)),
    ),
    ("GET", "/console/admin/profiles/new"): RouteSpec(
        "devices",
        _page("/console/admin/profiles/new"),
        lambda a, b: [Req("GET", "/console/admin/profiles/new", expect=status(200))],
    ),
    ("POST", "/console/admin/profiles/new"): RouteSpec(
        "devices",
        lambda w: Req("POST", "/console/admin/profiles/new", json={"name": "web-role-test"}, expect=status(200)),
        lambda a, b: [
            Req(
                "POST",
                "/console/admin/profiles/new",
                json={"name": b.profile["name"]},
                expect=status(200, 409),  # 409 when the API's own test already made this name in A
                echo=True,
                reuses_name=True,
            )
        ],
    ),
    ("GET", "/console/admin/profiles/{profile_id}"): RouteSpec(
        "devices",
        lambda w: Req("GET", f"/console/admin/profiles/{w.profile['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/console/admin/profiles/{b.profile['id']}")],
    ),
    ("POST", "/console/admin/profiles/{profile_id}"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST", f"/console/admin/profiles/{w.spare_profile['id']}", json={"name": "x"}, expect=status(200)
        ),
        lambda a, b: [
            Req("POST", f"/console/admin/profiles/{b.profile['id']}", json={"name": "hijacked"}),
            Req("POST", f"/console/admin/profiles/{b.spare_profile['id']}", json={"name": "hijacked", "key_0": "x"}),
        ],
    ),
    ("POST", "/console/admin/profiles/{profile_id}/rules"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST",
            f"/console/admin/profiles/{w.profile['id']}/rules",
            json={
                "name": "web",
                "alarm_type": "t",
                "severity": "minor",
                "condition": '{"kind": "no_data", "silent_s": 60}',
            },
            expect=status(200),
        ),
        lambda a, b: [
            Req(
                "POST",
                f"/console/admin/profiles/{b.profile['id']}/rules",
                json={
                    "name": "x",
                    "alarm_type": "t",
                    "severity": "minor",
                    "condition": '{"kind": "no_data", "silent_s": 60}',
                },
            )
        ],
    ),
    ("GET", "/console/admin/rules/{rule_id}"): RouteSpec(
        "devices",
        lambda w: Req("GET", f"/console/admin/rules/{x(w).rule['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"/console/admin/rules/{x(b).rule['id']}")],
    ),
    ("POST", "/console/admin/rules/{rule_id}/edit"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST",
            f"/console/admin/rules/{x(w).spare_rule['id']}/edit",
            json={
                "name": "x",
                "alarm_type": "t",
                "severity": "minor",
                "condition": '{"kind": "no_data", "silent_s": 60}',
            },
            expect=status(200),
        ),
        lambda a, b: [
            Req(
                "POST",
                f"/console/admin/rules/{x(b).rule['id']}/edit",
                json={
                    "name": "x",
                    "alarm_type": "t",
                    "severity": "minor",
                    "condition": '{"kind": "no_data", "silent_s": 9}',
                },
            )
        ],
    ),
    ("POST", "/console/admin/rules/{rule_id}/delete"): RouteSpec(
        "devices",
        lambda w: Req("POST", f"/console/admin/rules/{x(w).spare_rule['id']}/delete", expect=status(200)),
        lambda a, b: [Req("POST", f"/console/admin/rules/{x(b).spare_rule['id']}/delete")],
    ),
    ("POST", "/console/admin/rules/{rule_id}/overrides"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST",
            f"/console/admin/rules/{x(w).rule['id']}/overrides",
            json={"target_kind": "device", "target_id": str(w.spare_device["id"])},
            expect=status(200),
        ),
        lambda a, b: [
            Req(
                "POST",
                f"/console/admin/rules/{x(b).rule['id']}/overrides",
                json={"target_kind": "device", "target_id": str(a.device["id"]), "enabled": "false"},
            ),
            Req(
                "POST",
                f"/console/admin/rules/{x(a).rule['id']}/overrides",
                json={"target_kind": "device", "target_id": str(b.device["id"]), "enabled": "false"},
                expect=status(404, 422),
            ),
        ],
    ),
    ("POST", "/console/admin/rule-overrides/{override_id}/delete"): RouteSpec(
        "devices",
        lambda w: Req("POST", f"/console/admin/rule-overrides/{x(w).spare_override['id']}/delete", expect=status(200)),
        lambda a, b: [
            Req("POST", f"/console/admin/rule-overrides/{x(b).override['id']}/delete"),
            Req("POST", f"/console/admin/rule-overrides/{x(b).spare_override['id']}/delete"),
        ],
    ),
}
ROUTES.update(WEB_ROUTES)

# --- care service ------------------------------------------------------------------------------------------------
# Supervisors (admins) run the programme; caseworkers respond to the homes of their districts (the fixture's
# caseworker is assigned to the world's district), and they alone besides admins see personal data.
ALLOWED["care_admin"] = frozenset({Role.ADMIN})
ALLOWED["care_staff"] = frozenset({Role.ADMIN, Role.CASEWORKER})


@dataclass
class CareObjects:
    home: dict[str, Any]
    spare_home: dict[str, Any]
    resident: dict[str, Any]
    spare_resident: dict[str, Any]
    family: dict[str, Any]
    spare_family: dict[str, Any]
    response: dict[str, Any]
    spare_response: dict[str, Any]
    caseworker_id: int


CARE_OBJECTS: dict[str, CareObjects] = {}


def c(world: World) -> CareObjects:
    return CARE_OBJECTS[world.tenant.id]


def build_care_objects(client: TestClient, platform: Platform, w: World) -> CareObjects:
    """Two homes of the world's district (personal data carrying the marker), two open responses."""

    def ok(response: Any, code: int = 201) -> dict[str, Any]:
        assert response.status_code == code, response.text
        return dict(response.json())

    admin, base = w.admin, "/api/v1/care"
    me = ok(client.get("/api/v1/me", headers=w.tenant.headers[Role.CASEWORKER]), 200)
    ok(client.put(f"{base}/caseworkers/{me['id']}", json={"district_codes": [w.district_code]}, headers=admin), 200)
    body = {"code": f"{w.marker}-H1", "district_code": w.district_code, "address": f"{w.marker} 주소"}
    home = ok(client.post(f"{base}/households", json={**body, "device_ids": [w.spare_device["id"]]}, headers=admin))
    spare_home = ok(client.post(f"{base}/households", json={**body, "code": f"{w.marker}-H2"}, headers=admin))
    person = {"name": f"{w.marker} 어르신", "birth_year": 1940, "conditions": [f"{w.marker}-condition"]}
    resident = ok(client.post(f"{base}/households/{home['id']}/residents", json=person, headers=admin))
    spare_resident = ok(client.post(f"{base}/households/{home['id']}/residents", json=person, headers=admin))
    kin = {"name": f"{w.marker} 가족", "phone": "010-0000-0000"}
    family = ok(client.post(f"{base}/households/{home['id']}/family", json=kin, headers=admin))
    spare_family = ok(client.post(f"{base}/households/{home['id']}/family", json=kin, headers=admin))
    responses = []
    for kind in ("care_check_a", "care_check_b"):
        occurrence = Occurrence(w.tenant.id, "household", home["entity_id"], kind, Severity.MINOR, T0, {})
        with platform.engine.begin() as conn:
            alarm, _ = raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
        opened = ok(
            client.post(f"{base}/households/{home['id']}/responses", json={"alarm_id": alarm["id"]}, headers=admin)
        )
        responses.append(opened)
    return CareObjects(home, spare_home, resident, spare_resident, family, spare_family, *responses, me["id"])


def _care(path: str, expect: int = 200, method: str = "GET", json: Any = None) -> Req:
    return Req(method, f"/api/v1/care{path}", json=json, expect=status(expect))


def _care_cross(method: str, path: str, json: Any = None) -> Req:
    return Req(method, f"/api/v1/care{path}", json=json)


_STEP = {"step": "phone_check", "outcome": "reached_ok"}
_CLOSE = {"resolution": "false_alarm", "false_reason": "test"}
_PLAN = {"phase": "pilot", "planned_homes": 10}

CARE_ROUTES: dict[tuple[str, str], RouteSpec] = {
    ("GET", "/api/v1/care/households"): RouteSpec(
        "read",
        lambda w: _care("/households"),
        lambda a, b: [Req("GET", "/api/v1/care/households", expect=status(200), check=no_ids(c(b).home["id"]))],
    ),
    ("POST", "/api/v1/care/households"): RouteSpec(
        "care_admin",
        lambda w: _care("/households", 201, "POST", {"code": "role-test", "district_code": w.district_code}),
        # B's devices are no devices of A (districts are each tenant's own rows: other routes may have copied B's
        # boundaries into A, so the district is not what is tested here).
        lambda a, b: [
            Req(
                "POST",
                "/api/v1/care/households",
                json={"code": "x1", "district_code": a.district_code, "device_ids": [b.device["id"]]},
                expect=status(422),
            ),
        ],
    ),
    ("GET", "/api/v1/care/households/{household_id}"): RouteSpec(
        "read",
        lambda w: _care(f"/households/{c(w).home['id']}"),
        lambda a, b: [_care_cross("GET", f"/households/{c(b).home['id']}")],
    ),
    ("PATCH", "/api/v1/care/households/{household_id}"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/households/{c(w).home['id']}", 200, "PATCH", {"tiers_h": [8, 12, 24]}),
        lambda a, b: [_care_cross("PATCH", f"/households/{c(b).home['id']}", {"address": "hijacked"})],
    ),
    ("DELETE", "/api/v1/care/households/{household_id}"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/households/{c(w).spare_home['id']}", 204, "DELETE"),
        lambda a, b: [_care_cross("DELETE", f"/households/{c(b).spare_home['id']}")],
    ),
    ("POST", "/api/v1/care/households/{household_id}/devices"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/households/{c(w).home['id']}/devices", 201, "POST", {"kinds": ["door"]}),
        lambda a, b: [_care_cross("POST", f"/households/{c(b).home['id']}/devices", {"kinds": ["door"]})],
    ),
    ("PUT", "/api/v1/care/households/{household_id}/away"): RouteSpec(
        "care_staff",
        lambda w: _care(f"/households/{c(w).home['id']}/away", 200, "PUT", {"until": None}),
        lambda a, b: [_care_cross("PUT", f"/households/{c(b).home['id']}/away", {"until": T0 + DAY})],
    ),
    ("GET", "/api/v1/care/households/{household_id}/personal"): RouteSpec(
        "care_staff",
        lambda w: _care(f"/households/{c(w).home['id']}/personal"),
        lambda a, b: [_care_cross("GET", f"/households/{c(b).home['id']}/personal")],
    ),
    ("POST", "/api/v1/care/households/{household_id}/residents"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/households/{c(w).home['id']}/residents", 201, "POST", {"name": "role-test"}),
        lambda a, b: [_care_cross("POST", f"/households/{c(b).home['id']}/residents", {"name": "intruder"})],
    ),
    ("PATCH", "/api/v1/care/residents/{resident_id}"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/residents/{c(w).resident['id']}", 200, "PATCH", {"birth_year": 1941}),
        lambda a, b: [_care_cross("PATCH", f"/residents/{c(b).resident['id']}", {"name": "hijacked"})],
    ),
    ("DELETE", "/api/v1/care/residents/{resident_id}"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/residents/{c(w).spare_resident['id']}", 204, "DELETE"),
        lambda a, b: [_care_cross("DELETE", f"/residents/{c(b).spare_resident['id']}")],
    ),
    ("POST", "/api/v1/care/households/{household_id}/family"): RouteSpec(
        "care_admin",
        lambda w: _care(
            f"/households/{c(w).home['id']}/family",
            201,
            "POST",
            {"name": "role-test", "preferences": {"channel": "none"}},
        ),
        lambda a, b: [
            _care_cross(
                "POST", f"/households/{c(b).home['id']}/family", {"name": "x", "preferences": {"channel": "none"}}
            )
        ],
    ),
    ("PATCH", "/api/v1/care/family/{family_id}"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/family/{c(w).family['id']}", 200, "PATCH", {"relation": "아들"}),
        lambda a, b: [_care_cross("PATCH", f"/family/{c(b).family['id']}", {"phone": "010-9999-9999"})],
    ),
    ("DELETE", "/api/v1/care/family/{family_id}"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/family/{c(w).spare_family['id']}", 204, "DELETE"),
        lambda a, b: [_care_cross("DELETE", f"/family/{c(b).spare_family['id']}")],
    ),
    ("GET", "/api/v1/care/households/{household_id}/activity"): RouteSpec(
        "read",
        lambda w: _care(f"/households/{c(w).home['id']}/activity?period=week"),
        lambda a, b: [_care_cross("GET", f"/households/{c(b).home['id']}/activity?format=csv")],
    ),
    ("POST", "/api/v1/care/status/evaluate"): RouteSpec(
        "care_admin",
        lambda w: _care("/status/evaluate", 200, "POST"),
        lambda a, b: [Req("POST", "/api/v1/care/status/evaluate", expect=status(200))],
    ),
    ("GET", "/api/v1/care/responses"): RouteSpec(
        "care_staff",
        lambda w: _care("/responses"),
        lambda a, b: [
            Req("GET", "/api/v1/care/responses", expect=status(200), check=no_ids(c(b).response["id"])),
            Req("GET", f"/api/v1/care/responses?household_id={c(b).home['id']}", expect=status(200), check=empty_list),
        ],
    ),
    ("POST", "/api/v1/care/households/{household_id}/responses"): RouteSpec(
        "care_staff",
        lambda w: _care(
            f"/households/{c(w).home['id']}/responses", 201, "POST", {"alarm_id": c(w).response["alarm_id"]}
        ),
        lambda a, b: [
            _care_cross("POST", f"/households/{c(b).home['id']}/responses", {"alarm_id": c(b).response["alarm_id"]}),
            # A's home, B's alarm: B's alarm is not found in A.
            _care_cross("POST", f"/households/{c(a).home['id']}/responses", {"alarm_id": c(b).response["alarm_id"]}),
        ],
    ),
    ("GET", "/api/v1/care/responses/{response_id}"): RouteSpec(
        "care_staff",
        lambda w: _care(f"/responses/{c(w).response['id']}"),
        lambda a, b: [_care_cross("GET", f"/responses/{c(b).response['id']}")],
    ),
    ("POST", "/api/v1/care/responses/{response_id}/steps"): RouteSpec(
        "care_staff",
        lambda w: _care(f"/responses/{c(w).response['id']}/steps", 201, "POST", _STEP),
        lambda a, b: [_care_cross("POST", f"/responses/{c(b).response['id']}/steps", _STEP)],
    ),
    ("POST", "/api/v1/care/responses/{response_id}/close"): RouteSpec(
        "care_staff",
        lambda w: _care(f"/responses/{c(w).spare_response['id']}/close", 200, "POST", _CLOSE),
        lambda a, b: [_care_cross("POST", f"/responses/{c(b).spare_response['id']}/close", _CLOSE)],
    ),
    ("GET", "/api/v1/care/reports/evaluation"): RouteSpec(
        "read",
        lambda w: _care("/reports/evaluation"),
        lambda a, b: [Req("GET", "/api/v1/care/reports/evaluation?format=csv", expect=status(200))],
    ),
    ("GET", "/api/v1/care/caseworkers"): RouteSpec(
        "care_admin",
        lambda w: _care("/caseworkers"),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/care/caseworkers",
                expect=status(200),
                check=lambda r: not [i for i in r.json() if i["user_id"] == c(b).caseworker_id],
            )
        ],
    ),
    ("PUT", "/api/v1/care/caseworkers/{user_id}"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/caseworkers/{c(w).caseworker_id}", 200, "PUT", {"district_codes": [w.district_code]}),
        lambda a, b: [_care_cross("PUT", f"/caseworkers/{c(b).caseworker_id}", {"district_codes": []})],
    ),
    ("GET", "/api/v1/care/audit"): RouteSpec(
        "care_admin",
        lambda w: _care("/audit"),
        lambda a, b: [
            Req("GET", f"/api/v1/care/audit?household_id={c(b).home['id']}", expect=status(200), check=empty_list)
        ],
    ),
    ("GET", "/api/v1/care/settings"): RouteSpec(
        "care_admin",
        lambda w: _care("/settings"),
        lambda a, b: [Req("GET", "/api/v1/care/settings", expect=status(200))],
    ),
    ("PUT", "/api/v1/care/settings"): RouteSpec(
        "care_admin",
        lambda w: _care("/settings", 200, "PUT", {"emergency_url": None}),
        lambda a, b: [Req("PUT", "/api/v1/care/settings", json={"tiers_h": [8, 12, 24]}, expect=status(200))],
    ),
    ("GET", "/api/v1/care/rollout"): RouteSpec(
        "read",
        lambda w: _care("/rollout"),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/care/rollout",
                expect=status(200),
                check=lambda r: [i["district_code"] for i in r.json()["items"]] == [A_DISTRICT],
            )
        ],
    ),
    ("PUT", "/api/v1/care/rollout/{district_code}"): RouteSpec(
        "care_admin",
        lambda w: _care(f"/rollout/{w.district_code}", 200, "PUT", _PLAN),
        # A plan is a row of A's own: naming B's district code writes (at most) A's plan, never B's.
        lambda a, b: [
            Req("PUT", f"/api/v1/care/rollout/{b.district_code}", json=_PLAN, expect=status(200, 422), echo=True)
        ],
    ),
    ("GET", "/api/v1/care/households/{household_id}/routine"): RouteSpec(
        "care_staff",
        lambda w: _care(f"/households/{c(w).home['id']}/routine"),
        lambda a, b: [_care_cross("GET", f"/households/{c(b).home['id']}/routine")],
    ),
    ("PUT", "/api/v1/care/households/{household_id}/routine"): RouteSpec(
        "care_staff",
        lambda w: _care(f"/households/{c(w).home['id']}/routine", 200, "PUT", {"vitals": {"glucose_high": 300}}),
        lambda a, b: [
            _care_cross("PUT", f"/households/{c(b).home['id']}/routine", {"medication": {"times": ["08:00"]}})
        ],
    ),
    # Console pages of the care service: the tenant's own homes only (B's household codes carry B's marker).
    ("GET", "/console/care/"): RouteSpec(
        "read",
        lambda w: Req("GET", "/console/care/", expect=status(200)),
        lambda a, b: [Req("GET", "/console/care/", expect=status(200))],
    ),
    ("GET", "/console/care/field"): RouteSpec(
        "care_staff",
        lambda w: Req("GET", "/console/care/field", expect=status(200)),
        lambda a, b: [Req("GET", "/console/care/field", expect=status(200))],
    ),
    ("GET", "/console/care/responses"): RouteSpec(
        "care_staff",
        lambda w: Req("GET", "/console/care/responses", expect=status(200)),
        lambda a, b: [Req("GET", "/console/care/responses", expect=status(200))],
    ),
    ("GET", "/console/care/reports"): RouteSpec(
        "read",
        lambda w: Req("GET", "/console/care/reports", expect=status(200)),
        lambda a, b: [Req("GET", "/console/care/reports", expect=status(200))],
    ),
    ("GET", "/console/care/households/{household_id}/routine"): RouteSpec(
        "care_staff",
        lambda w: Req("GET", f"/console/care/households/{c(w).home['id']}/routine", expect=status(200)),
        lambda a, b: [Req("GET", f"/console/care/households/{c(b).home['id']}/routine")],
    ),
    ("POST", "/console/care/households/{household_id}/routine"): RouteSpec(
        "care_staff",
        lambda w: Req(
            "POST", f"/console/care/households/{c(w).home['id']}/routine", json={"times": "08:00"}, expect=status(200)
        ),
        lambda a, b: [Req("POST", f"/console/care/households/{c(b).home['id']}/routine", json={"times": "09:00"})],
    ),
}
A_DISTRICT = "3113025"
ROUTES.update(CARE_ROUTES)

# --- complaints service ---------------------------------------------------------------------------------------
# Staff routes under /api/v1/complaints (viewers read, caseworkers/operators/admins handle, admins configure);
# Open311 GeoReport v2 under /open311/v2 is public, the tenant chosen by jurisdiction_id (or the api_key).
# Public fields never carry the world's marker: only the reporter's contact does, and it is never published.

ALLOWED["complaints"] = frozenset({Role.ADMIN, Role.OPERATOR, Role.CASEWORKER})


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


_PHOTO_BODY = _tiny_png()  # the image itself is the body
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class ComplaintObjects:
    """A world's complaint settings: categories, Open311 keys, a resolved request with a photo, a spare request."""

    category: dict[str, Any]
    extra_category: dict[str, Any]
    key: str
    key_id: int
    spare_key_id: int
    request_id: int
    spare_request_id: int
    token: str
    photo: str


COMPLAINT_OBJECTS: dict[str, ComplaintObjects] = {}  # by tenant id, filled by the ``worlds`` fixture


def cp(world: World) -> ComplaintObjects:
    return COMPLAINT_OBJECTS[world.tenant.id]


def build_complaint_objects(client: TestClient, w: World) -> ComplaintObjects:
    def ok(response: Any, code: int = 201) -> Any:
        assert response.status_code == code, response.text
        return response.json()

    admin = w.admin
    base = "/api/v1/complaints"
    # Open311 publishes the department's name (agency_responsible): one without the world's marker.
    roads = ok(client.post("/api/v1/departments", json={"name": "도로과"}, headers=admin))
    category = ok(
        client.post(
            f"{base}/categories",
            json={"code": "pothole", "name": "도로 파손", "department_id": roads["id"]},
            headers=admin,
        )
    )
    extra = ok(client.post(f"{base}/categories", json={"code": f"extra-{w.tenant.id}", "name": "기타"}, headers=admin))
    key = ok(client.post(f"{base}/keys", json={"name": "app"}, headers=admin))
    spare_key = ok(client.post(f"{base}/keys", json={"name": "spare"}, headers=admin))
    form = {"jurisdiction_id": w.tenant.id, "api_key": key["api_key"], "service_code": "pothole", "lat": "37.6",
            "long": "127.2", "description": "도로에 구멍", "email": f"{w.marker}@example.kr",
            "first_name": w.marker}  # fmt: skip
    created = ok(client.post("/open311/v2/requests.json", data=form, files={"media": ("p.png", _tiny_png())}), 200)
    spare = ok(client.post("/open311/v2/requests.json", data=form), 200)
    request_id = int(created[0]["service_request_id"])
    ok(client.post(f"{base}/requests/{request_id}/answer", json={"text": "보수 완료"}, headers=admin), 200)
    [shown] = ok(client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id={w.tenant.id}"), 200)
    return ComplaintObjects(
        category, extra, key["api_key"], key["id"], spare_key["id"], request_id,
        int(spare[0]["service_request_id"]), created[0]["token"], shown["media_url"].rsplit("/", 1)[1],
    )  # fmt: skip


def _o311(path: str, w: World, expect: int = 200, **extra: Any) -> Req:
    separator = "&" if "?" in path else "?"
    return Req("GET", f"/open311/v2/{path}{separator}jurisdiction_id={w.tenant.id}", expect=status(expect), **extra)


def _o311_post(w: World, key: str, jurisdiction: str, expect: int = 200) -> Req:
    from urllib.parse import urlencode

    body = {"jurisdiction_id": jurisdiction, "api_key": key, "service_code": "pothole", "lat": "37.6", "long": "127.2"}
    return Req(
        "POST", "/open311/v2/requests.json", content=urlencode(body).encode(), headers=_FORM, expect=status(expect)
    )


def _o311_update(key: str, jurisdiction: str, request_id: int, expect: int = 200) -> Req:
    from urllib.parse import urlencode

    body = {"jurisdiction_id": jurisdiction, "api_key": key, "service_request_id": str(request_id),
            "description": "comment"}  # fmt: skip
    return Req(
        "POST",
        "/open311/v2/servicerequestupdates.json",
        content=urlencode(body).encode(),
        headers=_FORM,
        expect=status(expect),
    )


def no_request_ids(*ids: int) -> Callable[[Any], None]:
    """An Open311 list (JSON array) or staff list holds none of these request ids."""

    def check(response: Any) -> None:
        found = {int(item.get("service_request_id", item.get("id", 0))) for item in response.json()}
        assert not found & set(ids), f"other tenant's requests {found & set(ids)} listed"

    return check


def _request_action(action: str, body: Any, expect: int = 200) -> Callable[[World], Req]:
    return lambda w: Req("POST", f"/api/v1/complaints/requests/{cp(w).request_id}/{action}", json=body,
                         expect=status(expect))  # fmt: skip


def _b_request(b: World, action: str, body: Any) -> Req:
    return Req("POST", f"/api/v1/complaints/requests/{cp(b).request_id}/{action}", json=body)


def _no_map_ids(response: Any, *ids: int) -> None:
    found = {f["properties"]["id"] for f in response.json()["features"]}
    assert not found & set(ids), f"other tenant's requests {found & set(ids)} on the map"


def _no_b_requests_in_hotspots(response: Any, b: World) -> None:
    found = {i for h in response.json()["hotspots"] for i in h["request_ids"]}
    assert not found & {cp(b).request_id, cp(b).spare_request_id}, found


_LABELLED = "text,category,department\n도로가 패였어요,pothole,roads\n".encode()

COMPLAINT_ROUTES: dict[tuple[str, str], RouteSpec] = {
    ("GET", "/open311/v2/discovery.{fmt}"): RouteSpec(
        "public", lambda w: Req("GET", "/open311/v2/discovery.xml", expect=status(200))
    ),
    ("GET", "/open311/v2/services.{fmt}"): RouteSpec(
        "public",
        lambda w: _o311("services.json", w),
        lambda a, b: [_o311("services.xml", a)],
    ),
    ("GET", "/open311/v2/services/{service_code}.{fmt}"): RouteSpec(
        "public",
        lambda w: _o311("services/pothole.xml", w),
        lambda a, b: [_o311(f"services/extra-{b.tenant.id}.json", a, 404, check=lambda r: None)],
    ),
    ("POST", "/open311/v2/requests.{fmt}"): RouteSpec(
        "public",
        lambda w: _o311_post(w, cp(w).key, w.tenant.id),
        # B's key does not post into A, nor A's key into B
        lambda a, b: [_o311_post(a, cp(b).key, a.tenant.id, 403), _o311_post(a, cp(a).key, b.tenant.id, 403)],
    ),
    ("GET", "/open311/v2/tokens/{token_id}.{fmt}"): RouteSpec(
        "public",
        lambda w: _o311(f"tokens/{cp(w).token}.json", w),
        lambda a, b: [_o311(f"tokens/{cp(b).token}.json", a, 404)],
    ),
    ("GET", "/open311/v2/requests.{fmt}"): RouteSpec(
        "public",
        lambda w: _o311("requests.json", w),
        lambda a, b: [
            _o311("requests.json", a, check=no_request_ids(cp(b).request_id, cp(b).spare_request_id)),
            _o311(f"requests.json?service_request_id={cp(b).request_id}", a, check=empty_list),
        ],
    ),
    ("GET", "/open311/v2/requests/{service_request_id}.{fmt}"): RouteSpec(
        "public",
        lambda w: _o311(f"requests/{cp(w).request_id}.xml", w),
        lambda a, b: [_o311(f"requests/{cp(b).request_id}.json", a, 404)],
    ),
    ("GET", "/open311/v2/servicerequestupdates.{fmt}"): RouteSpec(
        "public",
        lambda w: _o311("servicerequestupdates.xml", w),
        lambda a, b: [
            Req(
                "GET",
                f"/open311/v2/servicerequestupdates.json?jurisdiction_id={a.tenant.id}",
                expect=status(200),
                check=lambda r: [u for u in r.json() if int(u["service_request_id"]) == cp(b).request_id] == [],
            )
        ],
    ),
    ("POST", "/open311/v2/servicerequestupdates.{fmt}"): RouteSpec(
        "public",
        lambda w: _o311_update(cp(w).key, w.tenant.id, cp(w).spare_request_id),
        # a comment with A's key on B's request, or with B's key into A, stores nothing
        lambda a, b: [
            _o311_update(cp(a).key, a.tenant.id, cp(b).request_id, 404),
            _o311_update(cp(b).key, a.tenant.id, cp(a).request_id, 403),
        ],
    ),
    ("GET", "/open311/v2/media/{name}"): RouteSpec(
        "public",
        lambda w: Req("GET", f"/open311/v2/media/{cp(w).photo}", expect=status(200)),
        lambda a, b: [_o311(f"media/{cp(b).photo}", a, 404)],
    ),
    ("POST", "/api/v1/complaints/rating"): RouteSpec(
        "public",
        lambda w: Req(
            "POST", "/api/v1/complaints/rating", json={"token": cp(w).token, "score": 4}, headers={}, expect=status(200)
        ),
        lambda a, b: [
            Req("POST", "/api/v1/complaints/rating", json={"token": "0" * 32, "score": 1}, expect=status(404))
        ],
    ),
    ("GET", "/api/v1/complaints/settings"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/complaints/settings", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/complaints/settings", expect=status(200), check=about_tenant(a.tenant.id))],
    ),
    ("PUT", "/api/v1/complaints/settings"): RouteSpec(
        "tenant",
        lambda w: Req("PUT", "/api/v1/complaints/settings", json={"jurisdiction_id": w.tenant.id}, expect=status(200)),
        # B's jurisdiction_id (public anyway through Open311) cannot be taken over
        lambda a, b: [
            Req("PUT", "/api/v1/complaints/settings", json={"jurisdiction_id": b.tenant.id}, expect=status(409))
        ],
    ),
    ("GET", "/api/v1/complaints/keys"): RouteSpec(
        "tenant",
        lambda w: Req("GET", "/api/v1/complaints/keys", expect=status(200)),
        lambda a, b: [
            Req("GET", "/api/v1/complaints/keys", expect=status(200), check=no_ids(cp(b).key_id, cp(b).spare_key_id))
        ],
    ),
    ("POST", "/api/v1/complaints/keys"): RouteSpec(
        "tenant",
        lambda w: Req("POST", "/api/v1/complaints/keys", json={"name": "role-test"}, expect=status(201)),
        lambda a, b: [Req("POST", "/api/v1/complaints/keys", json={"name": "app"}, expect=status(201))],
    ),
    ("DELETE", "/api/v1/complaints/keys/{key_id}"): RouteSpec(
        "tenant",
        lambda w: Req("DELETE", f"/api/v1/complaints/keys/{cp(w).spare_key_id}", expect=status(204)),
        lambda a, b: [Req("DELETE", f"/api/v1/complaints/keys/{cp(b).key_id}")],
    ),
    ("GET", "/api/v1/complaints/categories"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/complaints/categories", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/complaints/categories",
                expect=status(200),
                check=no_ids(cp(b).category["id"], cp(b).extra_category["id"]),
            )
        ],
    ),
    ("POST", "/api/v1/complaints/categories"): RouteSpec(
        "tenant",
        lambda w: Req(
            "POST", "/api/v1/complaints/categories", json={"code": "role-test", "name": "x"}, expect=status(201)
        ),
        lambda a, b: [
            Req(
                "POST",
                "/api/v1/complaints/categories",
                json={"code": "in-b", "name": "x", "department_id": b.department["id"]},
                expect=status(422),
            ),
        ],
    ),
    ("PATCH", "/api/v1/complaints/categories/{category_id}"): RouteSpec(
        "tenant",
        lambda w: Req(
            "PATCH",
            f"/api/v1/complaints/categories/{cp(w).extra_category['id']}",
            json={"name": "y"},
            expect=status(200),
        ),
        lambda a, b: [
            Req("PATCH", f"/api/v1/complaints/categories/{cp(b).category['id']}", json={"active": False}),
            Req(
                "PATCH",
                f"/api/v1/complaints/categories/{cp(a).category['id']}",
                json={"department_id": b.department["id"]},
                expect=status(422),
            ),
        ],
    ),
    ("GET", "/api/v1/complaints/requests"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/complaints/requests", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/complaints/requests",
                expect=status(200),
                check=no_request_ids(cp(b).request_id, cp(b).spare_request_id),
            ),
            Req(
                "GET",
                f"/api/v1/complaints/requests?department_id={b.department['id']}",
                expect=status(200),
                check=empty_list,
            ),
        ],
    ),
    ("GET", "/api/v1/complaints/requests/{request_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/api/v1/complaints/requests/{cp(w).request_id}", expect=status(200)),
        lambda a, b: [Req("GET", f"/api/v1/complaints/requests/{cp(b).request_id}")],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/status"): RouteSpec(
        "complaints",
        _request_action("status", {"status": "closed"}),
        lambda a, b: [_b_request(b, "status", {"status": "closed"})],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/assign"): RouteSpec(
        "complaints",
        _request_action("assign", {"assignee_id": None}),
        lambda a, b: [
            _b_request(b, "assign", {"assignee_id": a.user["id"]}),
            Req(
                "POST",
                f"/api/v1/complaints/requests/{cp(a).spare_request_id}/assign",
                json={"assignee_id": b.user["id"]},
                expect=status(422),
            ),
        ],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/transfer"): RouteSpec(
        "complaints",
        _request_action("transfer", {"department_id": 1}),
        lambda a, b: [
            _b_request(b, "transfer", {"department_id": a.department["id"]}),
            Req(
                "POST",
                f"/api/v1/complaints/requests/{cp(a).spare_request_id}/transfer",
                json={"department_id": b.department["id"]},
                expect=status(422),
            ),
        ],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/answer"): RouteSpec(
        "complaints",
        _request_action("answer", {"text": "x"}),
        lambda a, b: [_b_request(b, "answer", {"text": "hijacked"})],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/extend"): RouteSpec(
        "complaints",
        _request_action("extend", {"days": 1, "reason": "x"}),
        lambda a, b: [_b_request(b, "extend", {"days": 1, "reason": "hijacked"})],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/reopen"): RouteSpec(
        "complaints",
        _request_action("reopen", {"reason": "x"}),
        lambda a, b: [_b_request(b, "reopen", {"reason": "hijacked"})],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/merge"): RouteSpec(
        "complaints",
        lambda w: Req(
            "POST",
            f"/api/v1/complaints/requests/{cp(w).spare_request_id}/merge",
            json={"into_id": cp(w).request_id},
            expect=status(200),
        ),
        lambda a, b: [
            _b_request(b, "merge", {"into_id": cp(b).spare_request_id}),
            Req(
                "POST",
                f"/api/v1/complaints/requests/{cp(a).spare_request_id}/merge",
                json={"into_id": cp(b).request_id},
            ),
        ],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/photos"): RouteSpec(
        "complaints",
        lambda w: Req(
            "POST",
            f"/api/v1/complaints/requests/{cp(w).request_id}/photos",
            content=_PHOTO_BODY,
            content_type="image/png",
            expect=status(201),
        ),
        lambda a, b: [
            Req(
                "POST",
                f"/api/v1/complaints/requests/{cp(b).request_id}/photos",
                content=_PHOTO_BODY,
                content_type="image/png",
            ),
        ],
    ),
    # complaints AI: labelled imports, per-tenant models, category corrections (maeul/services/complaints/ai_api.py)
    ("POST", "/api/v1/complaints/labelled"): RouteSpec(
        "tenant",
        lambda w: Req("POST", "/api/v1/complaints/labelled", content=_LABELLED, expect=status(201)),
        # stored in A only: the count of B is not told
        lambda a, b: [Req("POST", "/api/v1/complaints/labelled", content=_LABELLED, expect=status(201))],
    ),
    ("GET", "/api/v1/complaints/labelled"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/complaints/labelled", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/complaints/labelled", expect=status(200))],
    ),
    ("GET", "/api/v1/complaints/models"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/complaints/models", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/complaints/models", expect=status(200), check=empty_list)],
    ),
    ("POST", "/api/v1/complaints/models/retrain"): RouteSpec(
        "tenant",
        # 422 while the tenant has too few labelled examples for a model
        lambda w: Req("POST", "/api/v1/complaints/models/retrain", json={"folds": 0}, expect=status(201, 422)),
        lambda a, b: [Req("POST", "/api/v1/complaints/models/retrain", json={"folds": 0}, expect=status(201, 422))],
    ),
    ("POST", "/api/v1/complaints/requests/{request_id}/category"): RouteSpec(
        "complaints",
        lambda w: _request_action("category", {"category_code": cp(w).category["code"], "retrain": False})(w),
        lambda a, b: [_b_request(b, "category", {"category_code": cp(a).category["code"], "retrain": False})],
    ),
    # complaints pages (maeul/services/complaints/pages.py)
    ("GET", "/console/complaints/"): RouteSpec(
        "read",
        lambda w: Req("GET", "/console/complaints/?overdue=false", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/console/complaints/",
                expect=status(200),
                check=lambda r: f'/console/complaints/requests/{cp(b).request_id}"' not in r.text,
            )
        ],
    ),
    ("GET", "/console/complaints/requests/{request_id}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"/console/complaints/requests/{cp(w).request_id}", expect=status(200)),
        lambda a, b: [Req("GET", f"/console/complaints/requests/{cp(b).request_id}")],
    ),
    ("POST", "/console/complaints/requests/{request_id}/{action}"): RouteSpec(
        "complaints",
        lambda w: Req(
            "POST",
            f"/console/complaints/requests/{cp(w).spare_request_id}/assign",
            json={"assignee_id": ""},
            expect=status(200, 303, 422),
        ),
        lambda a, b: [
            Req("POST", f"/console/complaints/requests/{cp(b).spare_request_id}/assign", json={"assignee_id": ""})
        ],
    ),
    ("GET", "/portal/complaints/"): RouteSpec(
        "public",
        lambda w: Req("GET", f"/portal/complaints/?tenant={w.tenant.id}", headers={}, expect=status(200)),
    ),
    ("POST", "/portal/complaints/"): RouteSpec(
        "public",
        lambda w: Req(
            "POST",
            "/portal/complaints/",
            json={"tenant": w.tenant.id, "service_code": "pothole", "description": "x", "lat": "37.6", "long": "127.2"},
            headers=WEB_CSRF,
            expect=status(200),
        ),
        # without the form's CSRF token nothing is stored
        lambda a, b: [Req("POST", "/portal/complaints/", json={"tenant": b.tenant.id}, headers={}, expect=status(403))],
    ),
    # complaints analytics API (maeul/services/complaints/analytics_api.py): every role reads its own tenant's
    ("GET", "/api/v1/complaints/analytics/hotspots"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/complaints/analytics/hotspots?min_reports=2", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/complaints/analytics/hotspots?min_reports=2&eps_m=10000",
                expect=status(200),
                check=lambda r: _no_b_requests_in_hotspots(r, b),
            )
        ],
    ),
    ("GET", "/api/v1/complaints/analytics/similar-districts"): RouteSpec(
        "read",
        lambda w: Req(
            "GET", f"/api/v1/complaints/analytics/similar-districts?district={w.district_code}", expect=status(200)
        ),
        # B's district code names nothing of B's: A's own district of that code, or none (422)
        lambda a, b: [
            Req(
                "GET",
                f"/api/v1/complaints/analytics/similar-districts?district={b.district_code}&min_total=1",
                expect=status(200, 422),
                echo=True,
            )
        ],
    ),
    ("GET", "/api/v1/complaints/analytics/process"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/complaints/analytics/process", expect=status(200)),
        lambda a, b: [Req("GET", "/api/v1/complaints/analytics/process", expect=status(200))],
    ),
    ("GET", "/api/v1/complaints/analytics/map"): RouteSpec(
        "read",
        lambda w: Req("GET", "/api/v1/complaints/analytics/map", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/api/v1/complaints/analytics/map?days=3660",
                expect=status(200),
                check=lambda r: _no_map_ids(r, cp(b).request_id, cp(b).spare_request_id),
            )
        ],
    ),
    # complaints console map/analytics and the residents' pages (pages_console.py, pages_portal.py)
    ("GET", "/console/complaints/map"): RouteSpec(
        "read",
        lambda w: Req("GET", "/console/complaints/map", expect=status(200)),
        lambda a, b: [Req("GET", "/console/complaints/map?days=365", expect=status(200))],
    ),
    ("GET", "/console/complaints/analytics"): RouteSpec(
        "read",
        lambda w: Req("GET", "/console/complaints/analytics", expect=status(200)),
        lambda a, b: [
            Req(
                "GET",
                "/console/complaints/analytics?days=365",
                expect=status(200),
                check=lambda r: f'/console/complaints/requests/{cp(b).request_id}"' not in r.text,
            )
        ],
    ),
    ("GET", "/portal/complaints/suggest"): RouteSpec(
        "public",
        lambda w: Req("GET", f"/portal/complaints/suggest?tenant={w.tenant.id}", headers={}, expect=status(200)),
        # next to B's requests, with their category: none of B's is offered to follow
        lambda a, b: [
            Req(
                "GET",
                f"/portal/complaints/suggest?tenant={a.tenant.id}&service_code=pothole&lat=37.6&long=127.2"
                "&description=도로에 구멍",
                headers={},
                expect=status(200),
                check=lambda r: (
                    f'value="{cp(b).request_id}"' not in r.text and f'value="{cp(b).spare_request_id}"' not in r.text
                ),
            )
        ],
    ),
    ("POST", "/portal/complaints/follow"): RouteSpec(
        "public",
        lambda w: Req(
            "POST",
            "/portal/complaints/follow",
            json={"tenant": w.tenant.id, "request_id": str(cp(w).spare_request_id), "email": "n@example.org"},
            headers=WEB_CSRF,
            expect=status(200),
        ),
        # following B's request by its number from A's portal finds nothing
        lambda a, b: [
            Req(
                "POST",
                "/portal/complaints/follow",
                json={"tenant": a.tenant.id, "request_id": str(cp(b).spare_request_id), "email": "n@example.org"},
                headers=WEB_CSRF,
            )
        ],
    ),
    ("GET", "/portal/complaints/status"): RouteSpec(
        "public",
        lambda w: Req(
            "GET", f"/portal/complaints/status?tenant={w.tenant.id}&token={cp(w).token}", headers={}, expect=status(200)
        ),
        lambda a, b: [
            Req("GET", f"/portal/complaints/status?tenant={a.tenant.id}&token={cp(b).token}", headers={}),
            Req("GET", f"/portal/complaints/status?tenant={a.tenant.id}&id={cp(b).request_id}", headers={}),
        ],
    ),
    # several municipalities and none chosen: the page asks which (district names are public, but named here
    # with the world's marker)
    ("GET", "/portal/complaints/stats"): RouteSpec(
        "public", lambda w: Req("GET", "/portal/complaints/stats", headers={}, expect=status(200))
    ),
    ("GET", "/portal/complaints/districts.geojson"): RouteSpec(
        "public", lambda w: Req("GET", "/portal/complaints/districts.geojson", headers={}, expect=status(200))
    ),
    ("GET", "/portal/complaints/complaints.js"): RouteSpec(
        "public", lambda w: Req("GET", "/portal/complaints/complaints.js", headers={}, expect=status(200))
    ),
}
ROUTES.update(COMPLAINT_ROUTES)

# --- warnings service (maeul/services/warnings) ----------------------------------------------------------------------


@dataclass
class WarningsObjects:
    """A world's station, an exercise warning (its CAP identifier) and a resident's subscription codes."""

    station: dict[str, Any]
    alert: dict[str, Any]
    identifier: str
    confirm_token: str
    manage_token: str
    page_confirm_token: str  # a second subscription, for the portal's confirm and unsubscribe pages
    page_manage_token: str


WARNINGS_OBJECTS: dict[str, WarningsObjects] = {}  # by tenant id, filled by the ``worlds`` fixture
DRAWN = {"type": "Polygon", "coordinates": [[[127.2, 37.6], [127.3, 37.6], [127.3, 37.7], [127.2, 37.6]]]}


def wo(world: World) -> WarningsObjects:
    return WARNINGS_OBJECTS[world.tenant.id]


def build_warnings_objects(client: TestClient, platform: Platform, w: World) -> WarningsObjects:
    from maeul.services.warnings import residents

    def ok(response: Any, code: int = 201) -> dict[str, Any]:
        assert response.status_code == code, response.text
        return dict(response.json())

    body = {"name": "river-gauge", "kind": "river_level", "district_code": w.district_code}
    station = ok(client.post("/api/v1/warnings/stations", json=body, headers=w.admin))
    drill = {"event_ko": "훈련", "event_en": "Drill", "stage": 2, "status": "Exercise", "polygon": DRAWN}
    alert = ok(client.post("/api/v1/warnings/alerts", json=drill, headers=w.admin))
    place = residents.Place(w.district_code)
    with platform.engine.begin() as conn:
        sub = residents.subscribe(conn, w.tenant.id, "email", "resident@example.org", "ko", 2, [place], T0)
        page_sub = residents.subscribe(conn, w.tenant.id, "email", "pages@example.org", "ko", 2, [place], T0)
    assert sub.confirm_token is not None and page_sub.confirm_token is not None
    return WarningsObjects(
        station,
        alert,
        alert["sent"]["identifier"],
        sub.confirm_token,
        sub.manage_token,
        page_sub.confirm_token,
        page_sub.manage_token,
    )


_W = "/api/v1/warnings"
_WP = "/api/v1/warnings/public"
_SHELTER_CSV = b"name,kind,lon,lat\nshelter,heat,127.2,37.6\n"


def _public_get(suffix: str) -> Callable[[World], Req]:
    return lambda w: Req("GET", f"{_WP}/{suffix}", expect=status(200))


WARNINGS_ROUTES: dict[tuple[str, str], RouteSpec] = {
    ("GET", f"{_WP}/status"): RouteSpec(
        "public", lambda w: Req("GET", f"{_WP}/status?tenant={w.tenant.id}", expect=status(200))
    ),
    ("GET", f"{_WP}/feed"): RouteSpec(
        "public", lambda w: Req("GET", f"{_WP}/feed?tenant={w.tenant.id}", expect=status(200))
    ),
    ("GET", f"{_WP}/cap"): RouteSpec(
        "public",
        lambda w: Req("GET", f"{_WP}/cap?tenant={w.tenant.id}&identifier={wo(w).identifier}", expect=status(200)),
    ),
    ("GET", f"{_WP}/shelters/nearest"): RouteSpec(
        "public",
        lambda w: Req("GET", f"{_WP}/shelters/nearest?tenant={w.tenant.id}&lon=127.2&lat=37.6", expect=status(200)),
    ),
    ("POST", f"{_WP}/subscriptions"): RouteSpec(
        "public",
        lambda w: Req(
            "POST",
            f"{_WP}/subscriptions",
            json={
                "tenant": w.tenant.id,
                "channel": "email",
                "address": "own@example.org",
                "places": [{"district_code": w.district_code}],
            },
            expect=status(200),
        ),
    ),
    ("POST", f"{_WP}/subscriptions/confirm"): RouteSpec(
        "public",
        lambda w: Req(
            "POST",
            f"{_WP}/subscriptions/confirm",
            json={"tenant": w.tenant.id, "token": wo(w).confirm_token},
            expect=status(200),
        ),
    ),
    ("POST", f"{_WP}/subscriptions/unsubscribe"): RouteSpec(
        "public",
        lambda w: Req(
            "POST",
            f"{_WP}/subscriptions/unsubscribe",
            json={"tenant": w.tenant.id, "token": wo(w).manage_token},
            expect=status(200),
        ),
    ),
    ("GET", f"{_W}/stations"): RouteSpec(
        "read",
        lambda w: Req("GET", f"{_W}/stations", expect=status(200)),
        lambda a, b: [Req("GET", f"{_W}/stations", expect=status(200), check=no_ids(wo(b).station["id"]))],
    ),
    ("POST", f"{_W}/stations"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST",
            f"{_W}/stations",
            json={"name": "gauge-2", "kind": "rainfall", "district_code": w.district_code},
            expect=status(201),
        ),
        # Naming B's district code creates nothing in B (A may by now have a district of that code itself).
        lambda a, b: [
            Req(
                "POST",
                f"{_W}/stations",
                json={"name": "gauge-3", "kind": "rainfall", "district_code": b.district_code},
                expect=status(201, 422),
            )
        ],
    ),
    ("GET", f"{_W}/stations/{{station_id}}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"{_W}/stations/{wo(w).station['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"{_W}/stations/{wo(b).station['id']}")],
    ),
    ("PATCH", f"{_W}/stations/{{station_id}}"): RouteSpec(
        "devices",
        lambda w: Req("PATCH", f"{_W}/stations/{wo(w).station['id']}", json={"name_en": "gauge"}, expect=status(200)),
        lambda a, b: [Req("PATCH", f"{_W}/stations/{wo(b).station['id']}", json={"name_en": "taken"})],
    ),
    ("GET", f"{_W}/alerts"): RouteSpec(
        "read",
        lambda w: Req("GET", f"{_W}/alerts", expect=status(200)),
        lambda a, b: [Req("GET", f"{_W}/alerts", expect=status(200), check=no_ids(wo(b).alert["id"]))],
    ),
    ("POST", f"{_W}/alerts"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST",
            f"{_W}/alerts",
            json={"event_ko": "x", "event_en": "x", "stage": 1, "status": "Test", "polygon": DRAWN},
            expect=status(201),
        ),
        lambda a, b: [
            Req(
                "POST",
                f"{_W}/alerts",
                json={"event_ko": "x", "event_en": "x", "stage": 1, "district_codes": [b.district_code]},
                expect=status(201, 422),
            )
        ],
    ),
    ("GET", f"{_W}/alerts/{{alert_id}}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"{_W}/alerts/{wo(w).alert['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"{_W}/alerts/{wo(b).alert['id']}")],
    ),
    ("POST", f"{_W}/alerts/{{alert_id}}/update"): RouteSpec(
        "devices",
        lambda w: Req("POST", f"{_W}/alerts/{wo(w).alert['id']}/update", json={"stage": 3}, expect=status(200)),
        lambda a, b: [Req("POST", f"{_W}/alerts/{wo(b).alert['id']}/update", json={"stage": 3})],
    ),
    ("POST", f"{_W}/alerts/{{alert_id}}/cancel"): RouteSpec(
        "devices",
        lambda w: Req("POST", f"{_W}/alerts/{wo(w).alert['id']}/cancel", json={}, expect=status(200)),
        lambda a, b: [Req("POST", f"{_W}/alerts/{wo(b).alert['id']}/cancel", json={})],
    ),
    ("GET", f"{_W}/shelters"): RouteSpec(
        "read",
        lambda w: Req("GET", f"{_W}/shelters", expect=status(200)),
        lambda a, b: [Req("GET", f"{_W}/shelters", expect=status(200))],
    ),
    ("PUT", f"{_W}/shelters"): RouteSpec(
        "devices",
        lambda w: Req("PUT", f"{_W}/shelters", content=_SHELTER_CSV, expect=status(200)),
        lambda a, b: [Req("PUT", f"{_W}/shelters", content=_SHELTER_CSV, expect=status(200))],
    ),
    ("GET", f"{_W}/subscribers/summary"): RouteSpec(
        "read",
        lambda w: Req("GET", f"{_W}/subscribers/summary", expect=status(200)),
        lambda a, b: [Req("GET", f"{_W}/subscribers/summary", expect=status(200))],
    ),
}
ROUTES.update(WARNINGS_ROUTES)

# The warnings pages (maeul/services/warnings/pages). The portal's pages name the municipality by ?tenant= (forms:
# a tenant field); without it, and with two municipalities, they ask which one (the map and shelter pages list the
# tenant's district names, which carry the world's marker, so the public check requests them without a tenant; the
# pages' own tests check that one municipality's pages show nothing of another).
_WPG = "/portal/warnings"
_WCG = "/console/warnings"
_AREA = "127.2 37.6\n127.3 37.6\n127.3 37.7"


def _portal_post(path: str, body: Callable[[World], dict[str, Any]]) -> Callable[[World], Req]:
    return lambda w: Req("POST", f"{_WPG}/{path}", json=body(w), headers=WEB_CSRF, expect=status(200))


WARNINGS_PAGE_ROUTES: dict[tuple[str, str], RouteSpec] = {
    ("GET", f"{_WPG}/"): RouteSpec("public", lambda w: Req("GET", f"{_WPG}/", headers={}, expect=status(200))),
    ("GET", f"{_WPG}/station"): RouteSpec(
        "public",
        lambda w: Req(
            "GET", f"{_WPG}/station?tenant={w.tenant.id}&id={wo(w).station['id']}", headers={}, expect=status(200)
        ),
    ),
    ("GET", f"{_WPG}/areas.geojson"): RouteSpec(
        "public", lambda w: Req("GET", f"{_WPG}/areas.geojson?tenant={w.tenant.id}", headers={}, expect=status(200))
    ),
    ("GET", f"{_WPG}/shelters"): RouteSpec(
        "public", lambda w: Req("GET", f"{_WPG}/shelters?lon=127.2&lat=37.6", headers={}, expect=status(200))
    ),
    ("GET", f"{_WPG}/subscribe"): RouteSpec(
        "public", lambda w: Req("GET", f"{_WPG}/subscribe", headers={}, expect=status(200))
    ),
    ("POST", f"{_WPG}/subscribe"): RouteSpec(
        "public",
        _portal_post(
            "subscribe",
            lambda w: {
                "tenant": w.tenant.id,
                "channel": "email",
                "address": "portal-page@example.org",
                "district": [w.district_code],
            },
        ),
    ),
    ("GET", f"{_WPG}/confirm"): RouteSpec(
        "public", lambda w: Req("GET", f"{_WPG}/confirm?tenant={w.tenant.id}", headers={}, expect=status(200))
    ),
    ("POST", f"{_WPG}/confirm"): RouteSpec(
        "public", _portal_post("confirm", lambda w: {"tenant": w.tenant.id, "token": wo(w).page_confirm_token})
    ),
    ("GET", f"{_WPG}/unsubscribe"): RouteSpec(
        "public", lambda w: Req("GET", f"{_WPG}/unsubscribe?tenant={w.tenant.id}", headers={}, expect=status(200))
    ),
    ("POST", f"{_WPG}/unsubscribe"): RouteSpec(
        "public", _portal_post("unsubscribe", lambda w: {"tenant": w.tenant.id, "token": wo(w).page_manage_token})
    ),
    ("GET", f"{_WPG}/warnings.js"): RouteSpec("public", _page(f"{_WPG}/warnings.js")),
    ("GET", f"{_WPG}/warnings.css"): RouteSpec("public", _page(f"{_WPG}/warnings.css")),
    ("GET", f"{_WCG}/"): RouteSpec(
        "read", _page(f"{_WCG}/"), lambda a, b: [Req("GET", f"{_WCG}/", expect=status(200))]
    ),
    ("GET", f"{_WCG}/stations/{{station_id}}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"{_WCG}/stations/{wo(w).station['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"{_WCG}/stations/{wo(b).station['id']}")],
    ),
    ("GET", f"{_WCG}/alerts"): RouteSpec(
        "read",
        _page(f"{_WCG}/alerts?show=past"),
        lambda a, b: [
            Req("GET", f"{_WCG}/alerts", expect=status(200)),
            Req("GET", f"{_WCG}/alerts?show=past", expect=status(200)),
        ],
    ),
    ("GET", f"{_WCG}/alerts/new"): RouteSpec(
        "devices", _page(f"{_WCG}/alerts/new"), lambda a, b: [Req("GET", f"{_WCG}/alerts/new", expect=status(200))]
    ),
    ("POST", f"{_WCG}/alerts"): RouteSpec(
        "devices",
        lambda w: Req(
            "POST",
            f"{_WCG}/alerts",
            json={"event_ko": "x", "event_en": "x", "stage": "1", "status": "Test", "polygon": _AREA},
            expect=status(200, 303),
        ),
        # B's district code is unknown in A (422), or, if A has a district of that code, A's own (a warning in A).
        lambda a, b: [
            Req(
                "POST",
                f"{_WCG}/alerts",
                json={
                    "event_ko": "x",
                    "event_en": "x",
                    "stage": "1",
                    "status": "Test",
                    "district_codes": [b.district_code],
                },
                expect=status(200, 303, 422),
            )
        ],
    ),
    ("GET", f"{_WCG}/alerts/{{alert_id}}"): RouteSpec(
        "read",
        lambda w: Req("GET", f"{_WCG}/alerts/{wo(w).alert['id']}", expect=status(200)),
        lambda a, b: [Req("GET", f"{_WCG}/alerts/{wo(b).alert['id']}")],
    ),
    ("POST", f"{_WCG}/alerts/{{alert_id}}/{{action}}"): RouteSpec(
        "devices",
        lambda w: Req("POST", f"{_WCG}/alerts/{wo(w).alert['id']}/update", json={"stage": "3"}, expect=status(200)),
        lambda a, b: [
            Req("POST", f"{_WCG}/alerts/{wo(b).alert['id']}/update", json={"stage": "3"}),
            Req("POST", f"{_WCG}/alerts/{wo(b).alert['id']}/cancel", json={}),
        ],
    ),
    ("GET", f"{_WCG}/shelters"): RouteSpec(
        "read", _page(f"{_WCG}/shelters"), lambda a, b: [Req("GET", f"{_WCG}/shelters", expect=status(200))]
    ),
    ("POST", f"{_WCG}/shelters"): RouteSpec(
        "devices",
        lambda w: Req("POST", f"{_WCG}/shelters", json={"text": _SHELTER_CSV.decode()}, expect=status(200)),
        lambda a, b: [Req("POST", f"{_WCG}/shelters", json={"text": _SHELTER_CSV.decode()}, expect=status(200))],
    ),
}
ROUTES.update(WARNINGS_PAGE_ROUTES)

PUBLIC = {route for route, spec in ROUTES.items() if spec.access == "public"}


def snapshot(client: TestClient, world: World) -> dict[str, Any]:
    """Everything the tenant can see through the API, as its admin sees it."""
    paths = [
        "/api/v1/tenant",
        "/api/v1/departments",
        "/api/v1/users",
        "/api/v1/api-keys",
        "/api/v1/districts",
        "/api/v1/profiles",
        "/api/v1/devices",
        "/api/v1/dead-letters",
        "/api/v1/notification-channels",
        "/api/v1/contacts",
        "/api/v1/escalation-policies",
        "/api/v1/alarms",
        f"/api/v1/alarms/{x(world).alarm['id']}",
        f"/api/v1/profiles/{world.profile['id']}/rules",
        f"/api/v1/rules/{x(world).rule['id']}",
        f"/api/v1/rules/{x(world).spare_rule['id']}",
        f"/api/v1/rules/{x(world).rule['id']}/overrides",
        "/api/v1/entities",
        "/api/v1/complaints/settings",
        "/api/v1/complaints/keys",
        "/api/v1/complaints/categories",
        "/api/v1/complaints/requests",
        f"/api/v1/complaints/requests/{cp(world).request_id}",
        f"/api/v1/complaints/requests/{cp(world).spare_request_id}",
    ]
    for device in (world.device, world.spare_device):
        paths += [
            f"/api/v1/devices/{device['id']}",
            f"/api/v1/devices/{device['id']}/latest",
            f"/api/v1/devices/{device['id']}/telemetry?{WINDOW}",
            f"/api/v1/devices/{device['id']}/telemetry?{WINDOW}&interval=1d&agg=sum",
            f"/api/v1/devices/{device['id']}/telemetry.csv?{WINDOW}",
        ]
    out = {}
    for path in paths:
        response = client.get(path, headers=world.admin)
        assert response.status_code == 200, (path, response.text)
        out[path] = response.text
    return out


@pytest.fixture
def worlds(make_world: Callable[[str, str, str], World], client: TestClient, platform: Platform) -> tuple[World, World]:
    pair = make_world(A_ID, "Aown", "3113025"), make_world(B_ID, "Bsecret", "4111156")
    ALARM_OBJECTS.clear()
    for world in pair:
        NOTIFY_OBJECTS[world.tenant.id] = build_notify_objects(client, platform, world)
        ALARM_OBJECTS[world.tenant.id] = build_alarm_objects(client, platform, world)
        CARE_OBJECTS[world.tenant.id] = build_care_objects(client, platform, world)
        COMPLAINT_OBJECTS[world.tenant.id] = build_complaint_objects(client, world)
        WARNINGS_OBJECTS[world.tenant.id] = build_warnings_objects(client, platform, world)
    return pair


def test_every_route_is_covered(client: TestClient) -> None:
    routes = app_routes(client.app)
    missing = routes - ROUTES.keys()
    assert not missing, f"routes with no isolation/role entry in ROUTES: {sorted(missing)}"
    stale = ROUTES.keys() - routes
    assert not stale, f"ROUTES names routes the app does not have: {sorted(stale)}"
    # Every route with a path parameter is aimed at the other tenant's object by id.
    for (method, path), spec in ROUTES.items():
        if "{" in path:
            # (Open311's public routes carry the format and ids in the path; their tenant is the jurisdiction_id.)
            assert spec.cross is not None and (spec.access != "public" or path.startswith("/open311/")), (method, path)


def test_write_routes_need_more_than_read_access() -> None:
    for (method, path), spec in ROUTES.items():
        if method != "GET" and spec.access in ("read", "self"):
            assert path == "/api/v1/auth/logout", f"{method} {path} would let viewers write"


def test_tenant_a_cannot_read_or_change_tenant_b(client: TestClient, worlds: tuple[World, World]) -> None:
    a, b = worlds
    before = snapshot(client, b)
    calls = [(route, req) for route, spec in ROUTES.items() for req in spec.cross(a, b)]
    # Requests naming B's things go last (lists are checked before), creations reusing B's names at the very end.
    calls.sort(key=lambda item: (item[1].reuses_name, item[1].echo))
    covered = {route for route, _ in calls}
    authenticated = {route for route, spec in ROUTES.items() if spec.access != "public"}
    assert authenticated <= covered, f"not tried against the other tenant: {sorted(authenticated - covered)}"
    problems: list[str] = []
    for (method, template), req in calls:
        response = req.send(client, a.admin)
        where = f"{method} {template} as {req.method} {req.path}"
        if response.status_code not in req.expect:
            problems.append(f"{where}: {response.status_code} not in {sorted(req.expect)}: {response.text[:300]}")
            continue
        if response.status_code >= 400 and not req.path.startswith("/open311/"):  # Open311: the spec's errors
            error = response.json().get("error", {})
            if not (error.get("code") and error.get("message") and error.get("message_ko")):
                problems.append(f"{where}: error without the documented shape: {response.text[:300]}")
        if not req.echo:
            leaked = [s for s in b.secrets() if s in response.text]
            if leaked:
                problems.append(f"{where}: answer contains B's data {leaked}: {response.text[:300]}")
        if req.check is not None:
            try:
                req.check(response)
            except AssertionError as exc:
                problems.append(f"{where}: {exc}")
    assert not problems, "\n".join(problems)
    assert snapshot(client, b) == before, "tenant B's data changed"
    # B's credentials were neither revoked nor rotated by A.
    for token in (b.api_key["token"], b.session_token):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert ingest(client, b.device["token"], {b.keys[0]: 4.5}).status_code == 200
    assert ingest(client, b.spare_device["token"], {b.keys[0]: 4.5}).status_code == 200


def test_public_routes_need_no_token_and_show_no_tenant_data(client: TestClient, worlds: tuple[World, World]) -> None:
    a, b = worlds
    for route in sorted(PUBLIC):
        response = ROUTES[route].own(a).send(client, {})
        assert response.status_code == 200, (route, response.status_code, response.text[:200])
        for world in (a, b):
            assert not [s for s in world.secrets() if s in response.text], route


def test_a_device_token_only_ever_writes_its_own_device(
    client: TestClient, worlds: tuple[World, World], platform: Platform
) -> None:
    a, b = worlds
    b_latest = client.get(f"/api/v1/devices/{b.device['id']}/latest", headers=b.admin).json()
    # Even naming B's keys and B's device id in the message stores nothing for B.
    message = [
        {"ts": T0 + 10 * DAY // 10, "values": {a.keys[0]: 7.0}},
        {"device_id": b.device["id"], b.keys[0]: 8.0},
    ]
    response = ingest(client, a.device["token"], message)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    assert client.get(f"/api/v1/devices/{b.device['id']}/latest", headers=b.admin).json() == b_latest
    latest = client.get(f"/api/v1/devices/{a.device['id']}/latest", headers=a.admin).json()
    assert latest["values"][a.keys[0]]["value"] == 7.0
    assert b.keys[0] not in latest["values"]
    # The dead letter of the refused part belongs to A, not B.
    letters = client.get("/api/v1/dead-letters", headers=b.admin).json()["items"]
    assert all(letter["tenant_id"] == B_ID for letter in letters)


def test_a_new_device_never_inherits_data_of_a_deleted_one(client: TestClient, worlds: tuple[World, World]) -> None:
    """SQLite may reuse the id of the newest deleted row: the new device of A must start empty."""
    a, b = worlds
    doomed = client.post("/api/v1/devices", json={"name": "Bsecret-doomed"}, headers=b.admin).json()
    assert ingest(client, doomed["token"], {"Bsecret_level": 99.0}).status_code == 200
    assert client.delete(f"/api/v1/devices/{doomed['id']}", headers=b.admin).status_code == 204
    fresh = client.post("/api/v1/devices", json={"name": "Aown-fresh"}, headers=a.admin)
    assert fresh.status_code == 201
    device_id = fresh.json()["id"]
    latest = client.get(f"/api/v1/devices/{device_id}/latest", headers=a.admin)
    assert latest.json()["values"] == {}
    end = T0 + 400 * DAY
    for query in ("", "&interval=1d&agg=count", "&interval=1m&agg=count"):
        series = client.get(
            f"/api/v1/devices/{device_id}/telemetry?start={T0 - DAY}&end={end}&keys=Bsecret_level{query}",
            headers=a.admin,
        )
        assert series.status_code == 200, series.text
        assert series.json()["data"] == {"Bsecret_level": []}, series.text
    assert "Bsecret" not in client.get(f"/api/v1/devices/{device_id}/telemetry.csv", headers=a.admin).text


ROLE_ROUTES = sorted(route for route, spec in ROUTES.items() if spec.access in ALLOWED)


def test_roles_are_enforced_on_every_route(client: TestClient, worlds: tuple[World, World]) -> None:
    a, _b = worlds
    problems = []
    for role, (method, path) in itertools.product((Role.VIEWER, Role.CASEWORKER, Role.OPERATOR), ROLE_ROUTES):
        spec = ROUTES[(method, path)]
        allowed = role in ALLOWED[spec.access]
        if not allowed:
            response = spec.own(a).send(client, a.tenant.headers[role])
            if response.status_code != 403 or response.json()["error"]["code"] != "forbidden":
                problems.append(f"{role} {method} {path}: {response.status_code} {response.text[:200]}")
        elif method == "GET":
            response = spec.own(a).send(client, a.tenant.headers[role])
            if response.status_code != 200:
                problems.append(f"{role} {method} {path}: expected 200, got {response.status_code}")
    assert not problems, "\n".join(problems)


def test_role_table_matches_the_rules() -> None:
    """Viewers never write; caseworkers only handle alarms; operators never manage users."""
    for (method, path), spec in ROUTES.items():
        if spec.access not in ALLOWED:
            continue
        roles = ALLOWED[spec.access]
        if spec.access == "alarms":
            handled = ("/api/v1/alarms/{alarm_id}/", "/console/alarms/{alarm_id}/")  # the API and the console
            assert method == "POST" and path.startswith(handled), (method, path)
        if method != "GET" and path != "/api/v1/auth/logout":
            assert Role.VIEWER not in roles, (method, path)
            assert Role.CASEWORKER not in roles or spec.access in ("alarms", "care_staff", "complaints"), (method, path)
        if path.startswith(("/api/v1/users", "/api/v1/api-keys")) or (method != "GET" and "department" in path):
            assert roles == {Role.ADMIN}, (method, path)


def test_every_route_but_the_public_ones_wants_a_token(client: TestClient, worlds: tuple[World, World]) -> None:
    a, _b = worlds
    problems = []
    for (method, path), spec in sorted(ROUTES.items()):
        if spec.access == "public":
            continue
        req = spec.own(a)
        for label, headers in (
            ("no token", {}),
            ("unknown token", bearer("mau_key_not-a-real-token")),
            ("malformed header", {"Authorization": "Basic dXNlcjpwdw=="}),
            # A device's token is no user's token, and a user's token is no device's token.
            ("wrong kind of token", bearer(a.api_key["token"] if spec.access == "device" else a.device["token"])),
        ):
            response = client.request(
                req.method,
                req.path,
                json=req.json,
                content=req.content,
                headers={**headers, **({"Content-Type": "text/csv"} if req.content else {})},
            )
            if response.status_code != 401 or response.json()["error"]["code"] != "unauthorized":
                problems.append(f"{method} {path} with {label}: {response.status_code} {response.text[:200]}")
            elif response.headers.get("www-authenticate", "").lower() != "bearer":
                problems.append(f"{method} {path} with {label}: 401 without WWW-Authenticate: Bearer")
    assert not problems, "\n".join(problems)

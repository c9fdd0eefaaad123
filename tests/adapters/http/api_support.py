"""Helpers of the REST API tests: a populated tenant ("world"), device calls, and the app's route list."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from maeul.adapters.sql.tables import telemetry
from maeul.platform.app import Platform

T0 = 1_795_000_000_000  # 2026-11-18T08:26:40Z: a fixed instant in the past (ts must not be far in the future)
MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000

SENSOR_KEYS = [
    {"key": "temperature", "type": "number", "unit": "°C", "min": -40, "max": 80},
    {"key": "motion", "type": "boolean"},
    {"key": "status", "type": "string"},
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ingest(client: TestClient, token: str, payload: Any) -> Any:
    """Send a device message: bytes and str go as they are, anything else as JSON."""
    headers = {**bearer(token), "Content-Type": "application/json"}
    if isinstance(payload, bytes | str):
        return client.post("/api/v1/ingest/telemetry", content=payload, headers=headers)
    return client.post("/api/v1/ingest/telemetry", json=payload, headers=headers)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the documented error shape with this status (and code); returns the error object."""
    assert response.status_code == status, (response.status_code, response.text)
    error = response.json()["error"]
    assert error["message"] and error["message_ko"], error
    if code is not None:
        assert error["code"] == code, error
    return error


def raw_count(platform: Platform, device_id: int) -> int:
    with platform.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(telemetry.c.device_id == device_id)).scalar_one())


def district_collection(code: str, name: str, lon: float, lat: float) -> dict[str, Any]:
    square = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "name_en": f"{name}-en"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }


@dataclass
class World:
    """One tenant with one of everything; every name and key carries ``marker`` so leaks can be spotted."""

    tenant: Any  # tests/conftest.py TenantHandle
    marker: str
    profile: dict[str, Any]
    spare_profile: dict[str, Any]
    device: dict[str, Any]
    spare_device: dict[str, Any]
    department: dict[str, Any]
    user: dict[str, Any]
    api_key: dict[str, Any]
    district_code: str
    session_token: str
    readings_ts: list[int] = field(default_factory=list)

    @property
    def admin(self) -> dict[str, str]:
        return dict(self.tenant.admin)

    @property
    def keys(self) -> list[str]:
        return [f"{self.marker}_temp", f"{self.marker}_state"]

    def secrets(self) -> list[str]:
        """Strings that must never appear in another tenant's responses."""
        return [
            self.marker,
            self.device["token"],
            self.spare_device["token"],
            self.api_key["token"],
            self.session_token,
        ]


def build_world(client: TestClient, tenant: Any, marker: str, district_code: str) -> World:
    admin = tenant.admin

    def ok(response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return dict(response.json())

    keys = [
        {"key": f"{marker}_temp", "type": "number", "min": -50, "max": 50},
        {"key": f"{marker}_state", "type": "string"},
    ]
    profile = ok(client.post("/api/v1/profiles", json={"name": f"{marker}-sensor", "keys": keys}, headers=admin))
    spare_profile = ok(client.post("/api/v1/profiles", json={"name": f"{marker}-spare", "keys": []}, headers=admin))
    ok(
        client.put(
            "/api/v1/districts",
            json=district_collection(district_code, f"{marker}-dong", 127.2, 37.6),
            headers=admin,
        ),
        200,
    )
    device = ok(
        client.post(
            "/api/v1/devices",
            json={
                "name": f"{marker}-device",
                "profile": profile["id"],
                "lon": 127.25,
                "lat": 37.65,
                "district_code": district_code,
                "attributes": {"owner": f"{marker}-owner"},
            },
            headers=admin,
        )
    )
    spare_device = ok(
        client.post(
            "/api/v1/devices",
            json={"name": f"{marker}-spare-device", "profile": profile["name"], "gateway_id": device["id"]},
            headers=admin,
        )
    )
    department = ok(client.post("/api/v1/departments", json={"name": f"{marker}-welfare"}, headers=admin))
    user = ok(
        client.post(
            "/api/v1/users",
            json={
                "username": f"{marker}-worker",
                "role": "caseworker",
                "password": "correct-horse",
                "display_name": f"{marker} worker",
                "department_id": department["id"],
            },
            headers=admin,
        )
    )
    api_key = ok(
        client.post("/api/v1/api-keys", json={"name": f"{marker}-scada", "user_id": user["id"]}, headers=admin)
    )
    login = client.post(
        "/api/v1/auth/token", json={"tenant": tenant.id, "username": f"{marker}-worker", "password": "correct-horse"}
    )
    session_token = ok(login, 200)["access_token"]
    readings_ts = [T0 + i * MINUTE for i in range(3)]
    message = [
        {"ts": ts, "values": {f"{marker}_temp": 20.0 + i, f"{marker}_state": "ok"}} for i, ts in enumerate(readings_ts)
    ]
    assert ingest(client, device["token"], message).json() == {"accepted": 6, "rejected": []}
    bad = ingest(client, device["token"], f'{{"{marker}_temp": oops}}'.encode())
    assert bad.status_code == 400, bad.text
    return World(
        tenant=tenant,
        marker=marker,
        profile=profile,
        spare_profile=spare_profile,
        device=device,
        spare_device=spare_device,
        department=department,
        user=user,
        api_key=api_key,
        district_code=district_code,
        session_token=session_token,
        readings_ts=readings_ts,
    )


def _walk(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        nested = getattr(route, "effective_candidates", None)  # FastAPI >= 0.13x keeps included routers nested
        if callable(nested):
            yield from _walk(nested())
        elif hasattr(route, "routes") and not hasattr(route, "path"):
            yield from _walk(route.routes)
        else:
            yield route


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers: its route objects and its OpenAPI schema, HEAD left out."""
    found = {
        (method, route.path)
        for route in _walk(list(app.routes))
        for method in (getattr(route, "methods", None) or {"GET"})
        if method != "HEAD"
    }
    found |= {(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item}
    return found

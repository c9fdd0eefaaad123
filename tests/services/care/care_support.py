"""Helpers of the care tests: a tenant with two districts, a caseworker for each, and one enrolled home."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from maeul.core.roles import Role

D1, D2 = "3113025", "3113026"


def square(code: str, name: str, lon: float) -> dict[str, Any]:
    ring = [[lon, 37.6], [lon + 0.05, 37.6], [lon + 0.05, 37.65], [lon, 37.65], [lon, 37.6]]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "name_en": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@dataclass
class CareTown:
    tenant: Any
    admin: dict[str, str]
    worker: dict[str, str]  # the caseworker of D1 (the tenant's fixture caseworker)
    other_worker: dict[str, str]  # a caseworker of D2 only
    viewer: dict[str, str]
    worker_id: int
    other_worker_id: int
    home: dict[str, Any]
    devices: list[dict[str, Any]]


def build_town(client: TestClient, tenant: Any) -> CareTown:
    admin = tenant.admin
    collection = {"type": "FeatureCollection", "features": [square(D1, "금곡동", 127.2), square(D2, "와부읍", 127.3)]}
    ok(client.put("/api/v1/districts", json=collection, headers=admin))
    worker = tenant.headers[Role.CASEWORKER]
    worker_id = ok(client.get("/api/v1/me", headers=worker))["id"]
    other = ok(
        client.post(
            "/api/v1/users", json={"username": "cw2", "role": "caseworker", "password": "pw-123456"}, headers=admin
        ),
        201,
    )
    key = ok(client.post("/api/v1/api-keys", json={"name": "cw2", "user_id": other["id"]}, headers=admin), 201)
    other_worker = {"Authorization": f"Bearer {key['token']}"}
    ok(client.put(f"/api/v1/care/caseworkers/{worker_id}", json={"district_codes": [D1]}, headers=admin))
    ok(client.put(f"/api/v1/care/caseworkers/{other['id']}", json={"district_codes": [D2]}, headers=admin))
    home = ok(
        client.post(
            "/api/v1/care/households",
            json={"code": "H001", "district_code": D1, "address": "경기도 남양주시 금곡로 1"},
            headers=admin,
        ),
        201,
    )
    devices = ok(
        client.post(
            f"/api/v1/care/households/{home['id']}/devices",
            json={"kinds": ["motion", "door", "button", "temperature"]},
            headers=admin,
        ),
        201,
    )
    home = ok(client.get(f"/api/v1/care/households/{home['id']}", headers=admin))
    return CareTown(
        tenant, admin, worker, other_worker, tenant.headers[Role.VIEWER], worker_id, other["id"], home, devices
    )


def device(town: CareTown, kind: str) -> dict[str, Any]:
    return next(d for d in town.devices if d["kind"] == kind)


def send(client: TestClient, dev: dict[str, Any], payload: Any) -> None:
    response = client.post(
        "/api/v1/ingest/telemetry", json=payload, headers={"Authorization": f"Bearer {dev['token']}"}
    )
    assert response.status_code == 200, response.text

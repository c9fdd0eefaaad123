"""Helpers of the warnings tests: a tenant with districts, station readings, outbox counts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.platform.app import Platform

T0 = 1_795_000_000_000
MINUTE = 60_000


def square(lon: float, lat: float, size: float = 0.1) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def districts(codes: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """A FeatureCollection of 0.1° squares, one per code at the given south-west corner."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": f"{code}동", "name_en": f"{code}-dong"},
                "geometry": {"type": "Polygon", "coordinates": [square(lon, lat)]},
            }
            for code, (lon, lat) in codes.items()
        ],
    }


A_DISTRICTS = {"3113011": (127.2, 37.5), "3113012": (127.3, 37.5), "3113013": (127.2, 37.6)}


def send(client: TestClient, token: str, readings: list[tuple[int, float]], key: str = "water_level") -> None:
    body = [{"ts": ts, "values": {key: value}} for ts, value in readings]
    response = client.post("/api/v1/ingest/telemetry", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def outbox_rows(platform: Platform, kind_prefix: str = "cap_") -> int:
    with platform.engine.connect() as conn:
        query = select(func.count()).where(notify_outbox.c.kind.like(f"{kind_prefix}%"))
        return int(conn.execute(query).scalar_one())


def wait_idle(platform: Platform) -> None:
    """Until the warnings engine has evaluated everything handed to it (no time limit asserted)."""
    import time

    from maeul.services.warnings import runtime

    engine = runtime.engine_for(platform)
    deadline = time.monotonic() + 60
    while not engine.idle.is_set() and time.monotonic() < deadline:
        time.sleep(0.02)


def confirmed_subscriber(platform: Platform, tenant: str, address: str, places: list[Any], min_stage: int = 1) -> int:
    from maeul.services.warnings import residents

    with platform.engine.begin() as conn:
        sub = residents.subscribe(conn, tenant, "email", address, "both", min_stage, places, T0)
        assert sub.confirm_token is not None
        residents.confirm(conn, tenant, sub.confirm_token, T0)
    return int(sub.subscriber["id"])

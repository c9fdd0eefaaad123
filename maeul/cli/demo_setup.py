"""Set up the demo tenant: Namyangju-si, its 16 eup/myeon/dong, an admin with a generated password, devices."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from shapely.geometry import Point, shape

from maeul.adapters.sql import accounts, devices
from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql.errors import NotFound
from maeul.core.districts import District, parse_feature_collection
from maeul.core.roles import Role
from maeul.platform.app import Platform
from maeul.platform.secrets import new_password

TENANT = "namyangju"
DISTRICTS_FILE = Path("data") / "kr-districts" / "namyangju-submunicipalities-2018.geojson"
HOMES = 30
ROOM_PROFILE: dict[str, Any] = {
    "name": "care-room-sensor",
    "description": "재가 돌봄 실내 센서: 활동량, 온도, 습도, 조도 / in-home sensor: activity, climate, light",
    "keys": [
        {"key": "motion", "type": "number", "unit": "events", "min": 0, "max": 10_000},
        {"key": "temperature", "type": "number", "unit": "°C", "min": -40, "max": 85},
        {"key": "humidity", "type": "number", "unit": "%", "min": 0, "max": 100},
        {"key": "illuminance", "type": "number", "unit": "lx", "min": 0, "max": 100_000},
    ],
}


@dataclass
class DemoDevice:
    id: int
    name: str
    token: str
    district_code: str | None


@dataclass
class DemoState:
    tenant: str
    admin_username: str
    admin_password: str
    api_token: str
    devices: list[DemoDevice]


def find_districts_file(explicit: Path | None) -> Path | None:
    """The Namyangju boundaries from ``../shared/data`` (beside the checkout) unless a file is given."""
    if explicit is not None:
        return explicit
    checkout = Path(__file__).resolve().parents[2]
    for base in (Path.cwd(), *Path.cwd().parents, checkout, checkout.parent):
        candidate = base / "shared" / DISTRICTS_FILE
        if candidate.exists():
            return candidate
    return None


def _random_point(district: District, rng: random.Random) -> tuple[float, float]:
    polygon = shape(district.geometry)
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(1000):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return round(lon, 6), round(lat, 6)
    centre = polygon.representative_point()
    return centre.x, centre.y


def _state_file(platform: Platform) -> Path:
    return platform.settings.data_dir / "demo-credentials.json"


def _load_state(path: Path) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return document
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _save_state(path: Path, state: DemoState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "tenant": state.tenant,
        "admin_username": state.admin_username,
        "admin_password": state.admin_password,
        "api_token": state.api_token,
        "devices": [d.__dict__ for d in state.devices],
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=2)


def ensure_demo(platform: Platform, districts_file: Path | None, seed: int = 2018) -> tuple[DemoState, list[str]]:
    """Create what is missing (idempotent); returns the state and notes for the operator."""
    notes: list[str] = []
    path = _state_file(platform)
    saved = _load_state(path)
    if saved is not None:
        with platform.engine.connect() as conn:
            try:
                accounts.get_tenant(conn, saved["tenant"])
                state = DemoState(
                    saved["tenant"],
                    saved["admin_username"],
                    saved["admin_password"],
                    saved["api_token"],
                    [DemoDevice(**d) for d in saved["devices"]],
                )
                return state, notes
            except NotFound:
                notes.append("the saved demo credentials belong to another database; creating a new demo")
    rng = random.Random(seed)
    district_items: list[District] = []
    if districts_file is not None and districts_file.exists():
        items, errors = parse_feature_collection(orjson.loads(districts_file.read_bytes()))
        if errors:
            notes.append(f"{districts_file}: {errors[0]}")
        district_items = items
    else:
        notes.append("Namyangju district boundaries not found (../shared/data/kr-districts); devices have no district")
    password = new_password()
    with platform.engine.begin() as conn:
        try:
            accounts.get_tenant(conn, TENANT)
        except NotFound:
            accounts.create_tenant(conn, TENANT, "남양주시", name_en="Namyangju-si")
        if district_items:
            district_repo.replace_districts(conn, TENANT, district_items)
        admin = next((u for u in accounts.list_users(conn, TENANT) if u["username"] == "admin"), None)
        if admin is None:
            admin = accounts.create_user(
                conn, TENANT, "admin", Role.ADMIN, password=password, display_name="데모 관리자 / Demo admin"
            )
        else:
            accounts.update_user(conn, TENANT, admin["id"], {"password": password})
        issued, _ = accounts.issue_user_token(conn, TENANT, admin["id"], kind="api_key", name="demo")
        try:
            devices.profile_by_name(conn, TENANT, ROOM_PROFILE["name"])
        except NotFound:
            devices.create_profile(
                conn, TENANT, ROOM_PROFILE["name"], ROOM_PROFILE["keys"], description=ROOM_PROFILE["description"]
            )
        existing = devices.device_names(conn, TENANT)
        demo_devices: list[DemoDevice] = []
        for index in range(HOMES):
            district = district_items[index % len(district_items)] if district_items else None
            name = f"home-{index + 1:02d}-room"
            lon, lat = (
                _random_point(district, rng) if district else (127.2 + rng.uniform(0, 0.15), 37.6 + rng.uniform(0, 0.1))
            )
            if name in existing:
                token = devices.rotate_token(conn, TENANT, existing[name])
                device_id = existing[name]
            else:
                row, token = devices.create_device(
                    conn,
                    TENANT,
                    name,
                    profile=ROOM_PROFILE["name"],
                    lon=lon,
                    lat=lat,
                    district_code=district.code if district else None,
                    attributes={"household": f"H{index + 1:03d}", "district": district.name if district else ""},
                )
                device_id = row["id"]
            demo_devices.append(DemoDevice(device_id, name, token, district.code if district else None))
    state = DemoState(TENANT, "admin", password, issued.token, demo_devices)
    _save_state(path, state)
    platform.provision_broker()
    return state, notes


def run_service_demos(platform: Platform, state: DemoState, seed: int = 2018) -> list[str]:
    """Let every enabled service add its part of the demo (each hook is idempotent); returns their notes."""
    from maeul.services.spec import DemoContext

    with platform.engine.connect() as conn:
        codes = [item.code for item in district_repo.list_districts(conn, state.tenant)]
    context = DemoContext(state.tenant, codes, seed, tuple(device.id for device in state.devices))
    notes: list[str] = []
    for service in platform.services:
        if service.demo is not None:
            notes.extend(service.demo(platform, context))
    return notes

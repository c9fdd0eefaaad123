"""Simulated devices: the ``sim-room`` profile, the devices themselves and their remembered tokens."""

from __future__ import annotations

import json
import os
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from maeul.adapters.sql import devices as repo
from maeul.adapters.sql.errors import NotFound
from maeul.adapters.sql.tables import devices
from maeul.platform.app import Platform
from maeul.platform.secrets import token_digest

PROFILE_NAME = "sim-room"
TOKENS_FILE = "simulator-devices.json"
NAMYANGJU_AREA = (127.1, 37.55, 127.4, 37.75)  # lon_min, lat_min, lon_max, lat_max
PROFILE_KEYS: list[dict[str, Any]] = [
    {"key": "temperature", "type": "number", "unit": "°C", "min": -40, "max": 85},
    {"key": "humidity", "type": "number", "unit": "%", "min": 0, "max": 100},
    {"key": "illuminance", "type": "number", "unit": "lx", "min": 0, "max": 100_000},
    {"key": "motion", "type": "number", "unit": "count", "min": 0, "max": 10_000},
    {"key": "co2", "type": "number", "unit": "ppm", "min": 0, "max": 10_000},
]


@dataclass(frozen=True, slots=True)
class SimDevice:
    """A simulated device and its secret token."""

    id: int
    name: str
    token: str


def device_name(prefix: str, index: int) -> str:
    """Name of the ``index``-th simulated device (1-based): ``sim-0001``."""
    return f"{prefix}-{index:04d}"


def tokens_path(platform: Platform) -> Path:
    """Where the tokens of the simulated devices are kept (mode 0600)."""
    return platform.settings.data_dir / TOKENS_FILE


def load_tokens(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """``{tenant: {name: {"id": .., "token": ..}}}``; empty if the file is missing or unreadable."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    tenants = document.get("tenants") if isinstance(document, dict) else None
    return tenants if isinstance(tenants, dict) else {}


def save_tokens(path: Path, tenants: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Write the token file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": 1, "tenants": tenants}, fh, ensure_ascii=False, indent=1, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_profile(platform: Platform, tenant_id: str) -> int:
    """Id of the tenant's ``sim-room`` profile, created if missing (an existing one is left as it is)."""
    with platform.engine.begin() as conn:
        try:
            return int(repo.profile_by_name(conn, tenant_id, PROFILE_NAME)["id"])
        except NotFound:
            profile = repo.create_profile(
                conn,
                tenant_id,
                PROFILE_NAME,
                PROFILE_KEYS,
                description="Simulated room sensor / 모의 실내 센서 (maeul simulate)",
            )
            return int(profile["id"])


def ensure_sim_devices(
    platform: Platform,
    tenant_id: str,
    count: int,
    prefix: str = "sim",
    *,
    area: tuple[float, float, float, float] = NAMYANGJU_AREA,
    seed: int | None = None,
) -> list[SimDevice]:
    """The devices ``<prefix>-0001`` .. ``<prefix>-<count>``, creating the missing ones at random points of ``area``.

    Tokens are shown only once, so those of created devices are kept in ``<data_dir>/simulator-devices.json``
    and reused. A device that exists but whose token is not known (or no longer valid) gets a new token.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    profile_id = ensure_profile(platform, tenant_id)
    path = tokens_path(platform)
    stored = load_tokens(path)
    known = stored.setdefault(tenant_id, {})
    names = [device_name(prefix, i) for i in range(1, count + 1)]
    rng = random.Random(seed)
    lon_min, lat_min, lon_max, lat_max = area
    result: list[SimDevice] = []
    changed: list[int] = []
    with platform.engine.begin() as conn:
        existing: dict[str, tuple[int, str]] = {}
        for start in range(0, len(names), 500):  # stay below the database's limit of bound parameters
            query = select(devices.c.id, devices.c.name, devices.c.token_hash).where(
                devices.c.tenant_id == tenant_id, devices.c.name.in_(names[start : start + 500])
            )
            existing.update({r.name: (int(r.id), r.token_hash) for r in conn.execute(query)})
        for name in names:
            entry = known.get(name)
            if name in existing:
                device_id, digest = existing[name]
                if entry and entry.get("id") == device_id and token_digest(str(entry.get("token"))) == digest:
                    token = str(entry["token"])
                else:
                    token = repo.rotate_token(conn, tenant_id, device_id)
                    changed.append(device_id)
            else:
                lon, lat = round(rng.uniform(lon_min, lon_max), 6), round(rng.uniform(lat_min, lat_max), 6)
                row, token = repo.create_device(
                    conn, tenant_id, name, profile=profile_id, lon=lon, lat=lat, attributes={"simulated": True}
                )
                device_id = int(row["id"])
            known[name] = {"id": device_id, "token": token}
            result.append(SimDevice(device_id, name, token))
    save_tokens(path, stored)
    for device_id in changed:
        platform.ingest.devices.invalidate(device_id)
    return result

"""Simulated devices: profile and devices created once, tokens remembered in a private file and reused."""

from __future__ import annotations

import json
import stat

import pytest
from sim_support import make_tenant

from maeul.adapters.sql import devices as repo
from maeul.platform.app import Platform
from maeul.simulate.fleet import (
    NAMYANGJU_AREA,
    PROFILE_NAME,
    SimDevice,
    device_name,
    ensure_sim_devices,
    tokens_path,
)


@pytest.fixture
def tenant(platform: Platform) -> str:
    """A tenant on the ``platform`` fixture (SQLite and PostgreSQL)."""
    return make_tenant(platform)


def test_creates_profile_devices_and_a_private_token_file(platform: Platform, tenant: str) -> None:
    fleet = ensure_sim_devices(platform, tenant, 3, seed=1)
    assert [d.name for d in fleet] == ["sim-0001", "sim-0002", "sim-0003"]
    assert all(isinstance(d, SimDevice) and d.token.startswith("mau_dev_") for d in fleet)
    path = tokens_path(platform)
    assert path.name == "simulator-devices.json" and path.parent == platform.settings.data_dir
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text(encoding="utf-8"))["tenants"][tenant]
    assert stored == {d.name: {"id": d.id, "token": d.token} for d in fleet}
    with platform.engine.connect() as conn:
        profile = repo.profile_by_name(conn, tenant, PROFILE_NAME)
        keys = {k["key"]: (k["unit"], k["min"], k["max"]) for k in profile["keys"]}
        rows = repo.list_devices(conn, tenant)
    assert keys == {
        "temperature": ("°C", -40, 85),
        "humidity": ("%", 0, 100),
        "illuminance": ("lx", 0, 100_000),
        "motion": ("count", 0, 10_000),
        "co2": ("ppm", 0, 10_000),
    }
    lon_min, lat_min, lon_max, lat_max = NAMYANGJU_AREA
    assert len(rows) == 3
    for row in rows:
        assert row["profile_id"] == profile["id"]
        assert lon_min <= row["lon"] <= lon_max and lat_min <= row["lat"] <= lat_max
    # The tokens work: ingestion knows the devices by them.
    for device in fleet:
        ctx = platform.ingest.devices.by_token(device.token)
        assert ctx is not None and ctx.device_id == device.id


def test_reuses_tokens_and_adds_only_missing_devices(platform: Platform, tenant: str) -> None:
    first = ensure_sim_devices(platform, tenant, 2)
    again = ensure_sim_devices(platform, tenant, 2)
    assert again == first
    more = ensure_sim_devices(platform, tenant, 4)
    assert more[:2] == first and len({d.id for d in more}) == 4
    fewer = ensure_sim_devices(platform, tenant, 1)
    assert fewer == first[:1]
    with platform.engine.connect() as conn:
        assert len(repo.list_devices(conn, tenant)) == 4


def test_unknown_or_stale_tokens_are_replaced(platform: Platform, tenant: str) -> None:
    fleet = ensure_sim_devices(platform, tenant, 2)
    with platform.engine.begin() as conn:  # someone rotated sim-0002's token elsewhere
        repo.rotate_token(conn, tenant, fleet[1].id)
    renewed = ensure_sim_devices(platform, tenant, 2)
    assert renewed[0] == fleet[0]
    assert renewed[1].id == fleet[1].id and renewed[1].token != fleet[1].token
    tokens_path(platform).unlink()  # the token file is gone: every token is replaced
    again = ensure_sim_devices(platform, tenant, 2)
    assert [d.id for d in again] == [d.id for d in fleet]
    assert all(new.token != old.token for new, old in zip(again, renewed, strict=True))
    for device in again:
        ctx = platform.ingest.devices.by_token(device.token)
        assert ctx is not None and ctx.device_id == device.id
    assert ensure_sim_devices(platform, tenant, 2) == again


def test_prefix_area_and_existing_profile(platform: Platform, tenant: str) -> None:
    with platform.engine.begin() as conn:
        repo.create_profile(conn, tenant, PROFILE_NAME, [], accept_any_numeric=True)
    fleet = ensure_sim_devices(platform, tenant, 2, prefix="room", area=(127.0, 37.0, 127.0001, 37.0001))
    assert [d.name for d in fleet] == [device_name("room", 1), device_name("room", 2)] == ["room-0001", "room-0002"]
    with platform.engine.connect() as conn:
        profile = repo.profile_by_name(conn, tenant, PROFILE_NAME)
        assert profile["accept_any_numeric"] and profile["keys"] == []  # left as it was
        for device in fleet:
            row = repo.get_device(conn, tenant, device.id)
            assert 127.0 <= row["lon"] <= 127.0001 and 37.0 <= row["lat"] <= 37.0001


def test_tenants_are_kept_apart(platform: Platform, tenant: str) -> None:
    from maeul.adapters.sql import accounts

    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, "suwon", "수원시")
    a = ensure_sim_devices(platform, tenant, 1)
    b = ensure_sim_devices(platform, "suwon", 1)
    assert a[0].name == b[0].name and a[0].id != b[0].id
    assert ensure_sim_devices(platform, tenant, 1) == a


def test_rejects_a_zero_count(platform: Platform, tenant: str) -> None:
    with pytest.raises(ValueError):
        ensure_sim_devices(platform, tenant, 0)

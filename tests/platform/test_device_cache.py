"""The ingest device cache on SQLite: bulk reads by id and by token, the tenant checked, changes forgotten at once,
and the background refresh reading ahead of expiry so that lookups do not query."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from maeul.adapters.sql import accounts, devices
from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.platform.device_cache import DeviceCache


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'maeul.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        accounts.create_tenant(conn, "guri", "구리시")
    yield engine
    engine.dispose()


def add(engine: Engine, tenant: str, name: str) -> tuple[int, str]:
    with engine.begin() as conn:
        row, token = devices.create_device(conn, tenant, name)
    return int(row["id"]), token


def test_bulk_reads_by_id_check_the_tenant(engine: Engine) -> None:
    a, _ = add(engine, "namyangju", "a")
    b, _ = add(engine, "guri", "b")
    with engine.connect() as conn:
        found = devices.device_contexts_by_id(conn, [("namyangju", a), ("namyangju", b), ("guri", b), ("guri", 999)])
    assert sorted(found) == [("guri", b), ("namyangju", a)]
    assert found[("guri", b)].tenant_id == "guri" and found[("namyangju", a)].device_id == a


def test_bulk_reads_by_token(engine: Engine) -> None:
    a, token_a = add(engine, "namyangju", "a")
    b, token_b = add(engine, "guri", "b")
    with engine.connect() as conn:
        found = devices.device_contexts_by_token(conn, [token_a, token_b, "mau_dev_unknown"])
    assert {token: ctx.device_id for token, ctx in found.items()} == {token_a: a, token_b: b}


def test_lookups_are_cached_and_changes_forgotten(engine: Engine) -> None:
    a, token = add(engine, "namyangju", "a")
    cache = DeviceCache(engine)
    first = cache.by_id("namyangju", a)
    assert first is not None and cache.by_token(token) == first
    assert cache.by_id("guri", a) is None  # another tenant's device id
    with engine.begin() as conn:
        new_token = devices.rotate_token(conn, "namyangju", a)
    assert cache.by_token(token) == first  # cached until told ...
    cache.invalidate(a)
    assert cache.by_token(token) is None and cache.by_token(new_token) == first  # ... then read again


def test_the_refresh_reads_ahead_so_lookups_do_not_query(engine: Engine) -> None:
    ids = [add(engine, "namyangju", f"d{i}")[0] for i in range(5)]
    cache = DeviceCache(engine)
    for device_id in ids:
        assert cache.by_id("namyangju", device_id) is not None
    assert cache.refresh_due(ahead_s=3600.0) == 5  # everything due within the hour: one bulk read
    with engine.begin() as conn:
        devices.delete_device(conn, "namyangju", ids[0])
    assert cache.refresh_due(ahead_s=3600.0) == 5
    assert cache.misses == 5  # the first lookups only
    assert cache.by_id("namyangju", ids[0]) is None  # the refresh saw it go
    assert all(cache.by_id("namyangju", d) is not None for d in ids[1:])
    assert cache.misses == 5
    assert cache.refresh_due(ahead_s=0.0) == 0  # nothing expires now


def test_the_cache_runs_and_stops_its_own_refresh_job(engine: Engine) -> None:
    cache = DeviceCache(engine)
    cache.start()
    assert "maeul-device-refresh" in {t.name for t in threading.enumerate()}
    cache.stop()
    assert "maeul-device-refresh" not in {t.name for t in threading.enumerate()}
    cache.stop()  # stopping twice is harmless

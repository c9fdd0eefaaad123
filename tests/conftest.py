"""Shared fixtures: both stores (SQLite and a real PostgreSQL), a running platform, API helpers, leak checks."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from maeul.adapters.http.app import create_app
from maeul.adapters.sql import accounts
from maeul.core.roles import Role
from maeul.platform.app import Platform
from maeul.platform.settings import Settings, load_settings
from maeul.testing.databases import postgres_available, sqlite_url, temporary_postgres

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def require_postgres() -> None:
    problem = postgres_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL must be reachable in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing: CI must have ../shared beside the checkout")
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(scope="session")
def ordonez_data() -> Path:
    """../shared/data/ordonez-adl: the two real homes of the care detection's measurement."""
    return shared_path("data", "ordonez-adl")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    require_postgres()
    with temporary_postgres() as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings({}, data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    p = Platform.create(settings)
    p.start(mqtt=False)
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, manage_lifecycle=False)) as c:
        yield c


@dataclass
class TenantHandle:
    """A tenant with one user per role, and their bearer headers."""

    id: str
    headers: dict[Role, dict[str, str]]

    @property
    def admin(self) -> dict[str, str]:
        return self.headers[Role.ADMIN]


@pytest.fixture
def make_tenant(platform: Platform) -> Callable[[str], TenantHandle]:
    def make(tenant_id: str) -> TenantHandle:
        headers: dict[Role, dict[str, str]] = {}
        with platform.engine.begin() as conn:
            accounts.create_tenant(conn, tenant_id, f"{tenant_id} 시")
            for role in Role:
                user = accounts.create_user(conn, tenant_id, f"{role.value}-{tenant_id}", role, password="password-1")
                issued, _ = accounts.issue_user_token(conn, tenant_id, user["id"], kind="api_key", name="test")
                headers[role] = {"Authorization": f"Bearer {issued.token}"}
        return TenantHandle(tenant_id, headers)

    return make


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    """A test fails if it leaves threads running (give them a moment to finish joining)."""
    before = {t.ident for t in threading.enumerate()}
    yield
    deadline = time.monotonic() + 5
    while True:
        extra = [
            t
            for t in threading.enumerate()
            if t.ident not in before and t.is_alive() and not t.name.startswith(("AnyIO worker thread", "asyncio_"))
        ]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not extra, f"threads left running: {[t.name for t in extra]}"

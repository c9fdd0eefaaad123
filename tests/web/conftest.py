"""Fixtures of the web tests: a platform without optional services, signed-in browsers (TestClient) per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from maeul.adapters.http.app import create_app
from maeul.adapters.sql import accounts
from maeul.core.roles import Role
from maeul.platform import secrets
from maeul.platform.app import Platform
from maeul.platform.settings import Settings, load_settings

PASSWORD = "password-1"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # The shell is tested on its own: the services (other packages) bring their own page tests.
    return load_settings({}, data_dir=tmp_path / "data", database_url=database_url, services="")


@pytest.fixture
def tenants(platform: Platform) -> list[str]:
    """Two municipalities, each with one user per role (``<role>-<tenant>``, password ``password-1``)."""
    with platform.engine.begin() as conn:
        for tenant_id, name in (("namyangju", "남양주시"), ("suwon", "수원시")):
            accounts.create_tenant(conn, tenant_id, name, name_en=tenant_id.title())
            for role in Role:
                accounts.create_user(conn, tenant_id, f"{role.value}-{tenant_id}", role, password=PASSWORD)
    return ["namyangju", "suwon"]


def sign_in(client: TestClient, tenant: str, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/console/sign-in")
    assert page.status_code == 200
    csrf = client.cookies["maeul_csrf"]
    response = client.post(
        "/console/sign-in",
        data={"csrf": csrf, "tenant": tenant, "username": username, "password": password, "next": "/console"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def browser(platform: Platform, tenants: list[str]) -> Iterator[Callable[..., TestClient]]:
    """``browser(role, tenant="namyangju")``: a new signed-in TestClient that asks for HTML like a browser."""
    app = create_app(platform, manage_lifecycle=False)
    opened: list[TestClient] = []

    def open_browser(role: Role | None = Role.ADMIN, tenant: str = "namyangju") -> TestClient:
        client = TestClient(app, headers={"Accept": "text/html"})
        client.__enter__()
        opened.append(client)
        if role is not None:
            sign_in(client, tenant, f"{role.value}-{tenant}")
        return client

    yield open_browser
    for client in opened:
        client.__exit__(None, None, None)


def csrf_of(client: TestClient) -> str:
    return str(client.cookies["maeul_csrf"])

"""Fixtures of the REST API tests (helpers live in api_support.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_support import World, build_world
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from maeul.platform import secrets


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, with the smallest cost: these tests create many users on a small machine."""
    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def make_world(client: TestClient, make_tenant: Callable[[str], Any]) -> Callable[[str, str, str], World]:
    def make(tenant_id: str, marker: str, district_code: str) -> World:
        return build_world(client, make_tenant(tenant_id), marker, district_code)

    return make


@pytest.fixture
def tenant(make_tenant: Callable[[str], Any]) -> Any:
    """A fresh tenant ``namyangju`` with one user per role."""
    return make_tenant("namyangju")


@pytest.fixture
def admin(tenant: Any) -> dict[str, str]:
    """Bearer headers of the admin of ``tenant``."""
    return dict(tenant.admin)

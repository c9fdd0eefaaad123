"""Fixtures of the complaints tests: a tenant with categories, an Open311 key, a frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from complaints_support import Town, build_town
from fastapi.testclient import TestClient

from maeul.platform import secrets
from maeul.platform.settings import Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Only this service runs: the tests do not depend on the other services' state."""
    return load_settings({}, data_dir=tmp_path / "data", database_url=database_url, services="complaints")


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def make_town(client: TestClient, make_tenant: Callable[[str], Any]) -> Callable[[str], Town]:
    def make(tenant_id: str) -> Town:
        return build_town(client, make_tenant(tenant_id))

    return make


@pytest.fixture
def town(make_town: Callable[[str], Town]) -> Town:
    return make_town("namyangju")

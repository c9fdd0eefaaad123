"""Fixtures of the care service tests: only this service runs; a tenant with two districts and its staff."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from care_support import CareTown, build_town
from fastapi.testclient import TestClient

from maeul.platform import secrets
from maeul.platform.settings import Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings({}, data_dir=tmp_path / "data", database_url=database_url, services="care")


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def town(client: TestClient, make_tenant: Callable[[str], Any]) -> CareTown:
    return build_town(client, make_tenant("namyangju"))

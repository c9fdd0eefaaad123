"""Fixtures of the SQL adapter tests: a migrated engine on each store, and PostgreSQL-only databases."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.testing.databases import postgres_available, temporary_postgres


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database (SQLite file or fresh PostgreSQL database), migrated to head."""
    eng = make_engine(database_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database (for what only PostgreSQL has: partitions)."""
    problem = postgres_available()
    if problem is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL must be reachable in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    with temporary_postgres() as url:
        yield url


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    eng = make_engine(postgres_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()

"""Schemathesis over the app's OpenAPI schema (SQLite, in process): no generated request may cause a 5xx.

Each operation gets positive (schema-valid) and negative (schema-violating) cases, sent through the FastAPI
TestClient as an admin API key (the ingest operation as a device). Every answer must be below 500, and every
error answer must have the documented error shape.

Requests go through the FastAPI TestClient (in process, no server). Schemathesis' own ASGI transport is not
used: it keeps a process-wide event-loop thread running, which the suite's thread-leak check forbids, and its
pytest integration (``from_fixture``) does not run on this pytest version.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from maeul.adapters.http.app import create_app
from maeul.adapters.sql import accounts
from maeul.core.roles import Role
from maeul.platform.app import Platform
from maeul.services.registry import installed_services
from maeul.testing.databases import sqlite_url

# Raise it for a deeper hunt: MAEUL_SCHEMATHESIS_EXAMPLES=200 pytest tests/adapters/http/test_schemathesis.py
MAX_EXAMPLES = int(os.environ.get("MAEUL_SCHEMATHESIS_EXAMPLES", "15"))
# The schema does not depend on the database behind the app: build it once, from a stand-in with every service.
SCHEMA = schemathesis.openapi.from_dict(
    create_app(cast(Platform, SimpleNamespace(services=installed_services()))).openapi()
)
OPERATIONS = sorted((method.upper(), path) for path, item in SCHEMA.raw_schema["paths"].items() for method in item)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the generated traffic is about the HTTP layer; both stores are covered elsewhere."""
    return sqlite_url(tmp_path)


def to_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis prepares requests-style arguments; the TestClient speaks httpx."""
    out = {k: v for k, v in kwargs.items() if k in ("method", "url", "headers", "params", "json")}
    if kwargs.get("data") is not None:
        data = kwargs["data"]
        out["content"] = data.encode() if isinstance(data, str) else data
    if kwargs.get("files"):
        out["files"] = kwargs["files"]
    return out


def check_error_shape(response: Any) -> None:
    if 400 <= response.status_code < 500 and response.headers.get("content-type", "").startswith("application/json"):
        error = response.json()["error"]
        assert {"code", "message", "message_ko"} <= set(error), error


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error(method: str, path: str, client: TestClient, platform: Platform) -> None:
    with platform.engine.begin() as conn:  # an admin with an API key (no password: no slow hashing)
        accounts.create_tenant(conn, "namyangju", "남양주시")
        admin = accounts.create_user(conn, "namyangju", "admin", Role.ADMIN)
        issued, _ = accounts.issue_user_token(conn, "namyangju", admin["id"], kind="api_key", name="schemathesis")
    headers = {"Authorization": f"Bearer {issued.token}"}
    device = client.post("/api/v1/devices", json={"name": "seed"}, headers=headers).json()
    client.post(
        "/api/v1/ingest/telemetry", json={"temperature": 20.5}, headers={"Authorization": f"Bearer {device['token']}"}
    )
    if path == "/api/v1/ingest/telemetry":
        headers = {"Authorization": f"Bearer {device['token']}"}
    assert client.app.openapi() == SCHEMA.raw_schema
    operation = SCHEMA[path][method.lower()]
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        kwargs = to_httpx(case.as_transport_kwargs(base_url="http://testserver", headers=headers))
        response = client.request(**kwargs)
        case.validate_response(response, checks=[not_a_server_error])
        check_error_shape(response)

    run()

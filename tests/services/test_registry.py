"""The service hook interface: selection, a service's own migration branch, routes, rule kinds, start and stop."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.testclient import TestClient

from maeul.adapters.http.app import create_app
from maeul.adapters.sql.migrate import current_revision, head_revision
from maeul.core.rules import registered_kinds, unregister_kind
from maeul.core.rules.conditions import Threshold
from maeul.core.rules.level import ThresholdEvaluator
from maeul.core.rules.registry import register_kind
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.services import registry
from maeul.services.registry import ServiceError, select_services
from maeul.services.spec import NavItem, Service

MIGRATION = '''"""A test service's first table."""
import sqlalchemy as sa
from alembic import op

revision = "probe_0001"
down_revision = None
branch_labels = ("probe",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table("probe_notes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.Text))


def downgrade() -> None:
    op.drop_table("probe_notes")
'''


def make_service(tmp_path: Path, events: list[str]) -> Service:
    folder = tmp_path / "probe_migrations"
    folder.mkdir()
    (folder / "probe_0001.py").write_text(MIGRATION)

    def api() -> APIRouter:
        router = APIRouter(prefix="/api/v1/probe")

        @router.get("/ping")
        def ping() -> dict[str, str]:
            return {"pong": "퐁"}

        return router

    def kinds() -> None:
        register_kind("probe.threshold", Threshold.parse, ThresholdEvaluator(), replace=True)

    return Service(
        name="probe",
        title_ko="시험",
        title_en="Probe",
        migrations=folder,
        api_router=api,
        nav=(NavItem("console", "/console/probe", "시험", "Probe"),),
        register_rule_kinds=kinds,
        on_start=lambda platform: events.append(f"start {platform.started}"),
        on_stop=lambda platform: events.append(f"stop {platform.started}"),
    )


def test_select_services_by_name_all_or_none() -> None:
    one = Service("one", "하나", "One")
    two = Service("two", "둘", "Two")
    assert select_services("all", [one, two]) == (one, two)
    assert select_services("", [one, two]) == ()
    assert select_services(" two ", [one, two]) == (two,)
    with pytest.raises(ServiceError, match=r"unknown service.*three.*installed: one, two"):
        select_services("two,three", [one, two])


def test_service_names_must_be_lower_case_identifiers() -> None:
    with pytest.raises(ValueError, match="lower-case identifier"):
        Service("Care-Net", "돌봄", "Care")


def test_every_built_in_service_loads() -> None:
    names = [service.name for service in registry.installed_services()]
    assert len(names) == len(set(names))


def test_a_service_plugs_in_tables_routes_rule_kinds_and_lifecycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    service = make_service(tmp_path, events)
    monkeypatch.setattr(registry, "installed_services", lambda: (service,))
    settings = load_settings({}, data_dir=tmp_path / "data", services="probe")
    platform = Platform.create(settings)
    try:
        assert platform.services == (service,)
        assert "probe.threshold" in registered_kinds()
        assert current_revision(platform.engine) == head_revision()
        assert "probe_0001" in (current_revision(platform.engine) or "")
        with platform.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO probe_notes (text) VALUES ('안녕')"))
        platform.start(mqtt=False)
        with TestClient(create_app(platform, manage_lifecycle=False)) as client:
            assert client.get("/api/v1/probe/ping").json() == {"pong": "퐁"}
    finally:
        platform.stop()
        unregister_kind("probe.threshold")
    assert events == ["start False", "stop True"]


def test_unknown_service_in_settings_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings({}, data_dir=tmp_path / "data", services="nosuch")
    with pytest.raises(ServiceError, match="unknown service"):
        Platform.create(settings)

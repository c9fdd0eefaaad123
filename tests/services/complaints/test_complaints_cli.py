"""``maeul complaints seed | jurisdiction | key`` and the demo hook, on a SQLite data directory."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.services.complaints import config_repo
from maeul.services.complaints.cli import cli
from maeul.services.complaints.service import SERVICE
from maeul.services.spec import DemoContext


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAEUL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MAEUL_SERVICES", "complaints")
    return tmp_path / "data"


def test_seed_jurisdiction_and_key(data_dir: Path) -> None:
    runner = CliRunner()
    seeded = runner.invoke(cli(), ["seed"])
    assert seeded.exit_code == 0, seeded.output
    assert "15" in seeded.output
    assert runner.invoke(cli(), ["seed"]).output.startswith("0")  # idempotent
    assert runner.invoke(cli(), ["jurisdiction", "nyj.go.kr"]).exit_code == 0
    issued = runner.invoke(cli(), ["key", "citizen-app", "--json"])
    assert issued.exit_code == 0, issued.output
    body = orjson.loads(issued.stdout)
    assert body["api_key"].startswith("mau_o311_") and body["jurisdiction_id"] == "nyj.go.kr"


def test_demo_hook_is_idempotent(tmp_path: Path) -> None:
    settings = load_settings({}, data_dir=tmp_path / "data", services="complaints")
    platform = Platform.create(settings)
    try:
        from maeul.adapters.sql import accounts

        with platform.engine.begin() as conn:
            accounts.create_tenant(conn, "demo", "데모시")
        assert SERVICE.demo is not None
        context = DemoContext(tenant="demo", district_codes=(), seed=1)
        first = SERVICE.demo(platform, context)
        assert any("api_key=" in note for note in first)
        assert SERVICE.demo(platform, context) == []
        with platform.engine.connect() as conn:
            assert config_repo.category_count(conn, "demo") == 15
    finally:
        platform.engine.dispose()

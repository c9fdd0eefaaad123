"""Per-tenant models: retrain on imports (API and CLI), stored signed, loaded at start, corrections, both stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from complaints_support import Town, ok, reported
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from maeul.platform.app import Platform
from maeul.services.complaints import ai, models_repo
from maeul.services.complaints.cli import cli
from maeul.services.complaints.retraining import load_models
from maeul.services.complaints.tables import complaints_models

DATA = Path(__file__).parents[3] / "benchmarks" / "data" / "complaints_generated.csv"


def small_csv(per_category: int = 6) -> str:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    seen: dict[str, int] = {}
    keep = [lines[0]]
    rows, _ = ai.parse_labelled_csv("\n".join(lines))
    for row in rows:
        if seen.get(row.category, 0) < per_category:
            seen[row.category] = seen.get(row.category, 0) + 1
            keep.append(lines[row.line - 1])
    return "\n".join(keep) + "\n"


@pytest.fixture(autouse=True)
def no_models_left() -> object:
    yield None
    for tenant in ("namyangju", "guri", "default", None):
        ai.use_classifier(None, tenant_id=tenant)


def test_retrain_stores_versions_and_start_loads_them(client: TestClient, town: Town, platform: Platform) -> None:
    headers = {**town.admin, "content-type": "text/csv"}
    refused = client.post("/api/v1/complaints/models/retrain", json={"folds": 0}, headers=town.admin)
    assert refused.status_code == 422  # nothing imported yet
    ok(client.post("/api/v1/complaints/labelled", content=small_csv().encode(), headers=headers))
    first = ok(client.post("/api/v1/complaints/models/retrain", json={"folds": 2}, headers=town.admin))
    assert first["version"] == 1 and first["metrics"]["folds"] == 2
    assert first["metrics"]["category_macro_f1"] is not None
    second = ok(client.post("/api/v1/complaints/models/retrain", json={"folds": 0}, headers=town.admin))
    assert second["version"] == 2
    listed = ok(client.get("/api/v1/complaints/models", headers=town.admin), 200)
    assert [m["version"] for m in listed] == [2, 1]
    assert ai.current_classifier(town.id) is not None
    ai.use_classifier(None, tenant_id=town.id)
    assert load_models(platform.engine, platform.settings.data_dir) == 1
    model = ai.current_classifier(town.id)
    assert model is not None and model.version == 2
    # bytes not signed with this installation's key are refused, and the key is not in the database
    assert (platform.settings.data_dir / models_repo.KEY_FILE).exists()
    with platform.engine.begin() as conn:
        conn.execute(update(complaints_models).values(model=model.to_bytes(key=b"someone else")))
    ai.use_classifier(None, tenant_id=town.id)
    assert load_models(platform.engine, platform.settings.data_dir) == 0
    assert ai.current_classifier(town.id) is None


def test_a_staff_correction_becomes_a_labelled_example(client: TestClient, town: Town, make_town: object) -> None:
    other = make_town("guri")  # type: ignore[operator]
    csv = {**town.admin, "content-type": "text/csv"}
    request_id = reported(client, town, description="공원 벤치가 부서졌어요")
    url = f"/api/v1/complaints/requests/{request_id}/category"
    assert client.post(url, json={"category_code": "nope"}, headers=town.admin).status_code == 422
    assert client.post(url, json={"category_code": "pothole"}, headers=other.admin).status_code == 404
    codes = [c["code"] for c in ok(client.get("/api/v1/complaints/categories", headers=town.admin), 200)]
    target = next(code for code in codes if code != "pothole")
    moved = ok(client.post(url, json={"category_code": target}, headers=town.admin), 200)
    assert moved["category_id"] != town.pothole["id"]
    assert ok(client.get("/api/v1/complaints/labelled", headers=town.admin), 200) == {"correction": 1}
    assert ok(client.get("/api/v1/complaints/models", headers=town.admin), 200) == []  # one category: no model
    ok(client.post("/api/v1/complaints/labelled", content=small_csv(3).encode(), headers=csv))
    ok(client.post(url, json={"category_code": target}, headers=town.admin), 200)
    assert ok(client.get("/api/v1/complaints/labelled", headers=town.admin), 200) == {"correction": 1, "import": 45}
    # the background retrain put a model in use, made from the one correction
    listed = ok(client.get("/api/v1/complaints/models", headers=town.admin), 200)
    assert [m["version"] for m in listed] == [1]
    assert ok(client.get("/api/v1/complaints/models", headers=other.admin), 200) == []


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAEUL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MAEUL_SERVICES", "complaints")
    return tmp_path / "data"


def test_cli_import_retrain_and_the_ai_tools(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli(), ["retrain", "--folds", "0"]).exit_code == 1
    labelled = tmp_path / "labelled.csv"
    labelled.write_text(small_csv(), encoding="utf-8")
    assert runner.invoke(cli(), ["import", str(labelled)]).exit_code == 0
    trained = runner.invoke(cli(), ["retrain", "--folds", "0"])
    assert trained.exit_code == 0, trained.output
    assert "model v1" in trained.output
    tools = runner.invoke(cli(), ["ai", "--help"])
    assert tools.exit_code == 0 and "classify" in tools.output

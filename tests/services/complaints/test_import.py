"""Import of labelled complaints: ``POST /api/v1/complaints/labelled`` and ``maeul complaints import``, both stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from complaints_support import Town, ok
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from maeul.services.complaints.cli import cli

HEADER = "text,category,department,lat,lon,created_at,district_code\n"
GOOD = (
    HEADER
    + "도로가 움푹 패였어요,road_damage,roads,37.6,127.2,2026-11-20T09:00:00+09:00,3113013\n"
    + "가로등이 꺼져 있어요,street_light,roads,,,,\n"
)
BAD = (
    HEADER
    + "도로가 움푹 패였어요,road_damage,roads,37.6,127.2,2026-11-20T09:00:00+09:00,3113013\n"
    + ",street_light,roads,,,,\n"
    + "쓰레기,waste,env,91,127,,\n"
    + "소음,noise,env,37.6,127.2,yesterday,\n"
)
URL = "/api/v1/complaints/labelled"
CSV = {"content-type": "text/csv"}


def test_api_imports_all_rows_and_counts_them(client: TestClient, town: Town) -> None:
    assert ok(client.post(URL, content=GOOD.encode(), headers={**town.admin, **CSV})) == {"imported": 2}
    assert ok(client.get(URL, headers=town.admin), 200) == {"import": 2}
    replaced = client.post(f"{URL}?replace=true", content=("\ufeff" + GOOD).encode(), headers={**town.admin, **CSV})
    assert ok(replaced) == {"imported": 2}
    assert ok(client.get(URL, headers=town.admin), 200) == {"import": 2}


def test_api_reports_every_bad_row_and_imports_nothing(client: TestClient, town: Town) -> None:
    refused = client.post(URL, content=BAD.encode(), headers={**town.admin, **CSV})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    lines = sorted({d["line"] for d in body["error"]["details"]})
    assert lines == [3, 4, 5]
    assert ok(client.get(URL, headers=town.admin), 200) == {}
    not_utf8 = client.post(URL, content="text\n\xff".encode("latin-1"), headers={**town.admin, **CSV})
    assert not_utf8.status_code == 422


def test_api_import_is_per_tenant_and_for_admins(client: TestClient, make_town: object, town: Town) -> None:
    other = make_town("guri")  # type: ignore[operator]
    ok(client.post(URL, content=GOOD.encode(), headers={**town.admin, **CSV}))
    assert ok(client.get(URL, headers=other.admin), 200) == {}
    assert client.post(URL, content=GOOD.encode(), headers=CSV).status_code == 401


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAEUL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MAEUL_SERVICES", "complaints")
    return tmp_path / "data"


def test_cli_import_all_or_nothing(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    refused = runner.invoke(cli(), ["import", str(bad)])
    assert refused.exit_code == 1
    for line in (3, 4, 5):
        assert f"line {line}" in refused.output
    assert "nothing imported" in refused.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    done = runner.invoke(cli(), ["import", str(good)])
    assert done.exit_code == 0, done.output
    assert "2 labelled complaints imported" in done.output

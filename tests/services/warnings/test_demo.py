"""The demo: stations along Namyangju-si's rivers and a storm through the four stages and back (idempotent)."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from maeul.adapters.sql import accounts
from maeul.adapters.sql import districts as district_repo
from maeul.core.districts import parse_feature_collection
from maeul.platform.app import Platform
from maeul.services.spec import DemoContext
from maeul.services.warnings import alerts, demo, stations

DISTRICTS = Path(__file__).resolve().parents[4] / "shared/data/kr-districts/namyangju-submunicipalities-2018.geojson"


@pytest.mark.parametrize(("minute", "expected"), [(0, 1.0), (40, 6.0), (100, 1.0), (20, 3.5), (70, 3.5)])
def test_storm_curve_rises_and_falls(minute: float, expected: float) -> None:
    assert demo.storm_curve(minute, 100, 1.0, 6.0) == pytest.approx(expected, abs=0.01)


def test_demo_issues_a_full_warning_chain(platform: Platform) -> None:
    if not DISTRICTS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{DISTRICTS} is missing")
        pytest.skip("../shared data not available")
    document = orjson.loads(DISTRICTS.read_bytes())
    for feature in document["features"]:
        feature["properties"].setdefault("name_en", feature["properties"].get("name_eng"))
    items, errors = parse_feature_collection(document)
    assert not errors
    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시", name_en="Namyangju-si")
        district_repo.replace_districts(conn, "namyangju", items)
    context = DemoContext("namyangju", [d.code for d in items], 2018)
    notes = demo.run(platform, context)
    assert "7 stations" in notes[0]
    with platform.engine.connect() as conn:
        feed = alerts.feed(conn, "namyangju", 500)
        listed = stations.list_stations(conn, "namyangju")
    assert {m["msg_type"] for m in feed} == {"Alert", "Update", "Cancel"}
    assert max(m["stage"] for m in feed) == 4 and all(s["stage"] == 0 for s in listed)
    assert demo.run(platform, context)[0].endswith("issued 0 CAP messages / 관측소 7곳, 지난 폭우로 CAP 메시지 0건")
    with platform.engine.connect() as conn:
        assert len(alerts.feed(conn, "namyangju", 500)) == len(feed)

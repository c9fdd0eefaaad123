"""The analytics API on both stores, against a town whose figures were worked out by hand (analytics_seed.py):
hotspots and trend alerts, similar districts, process analytics, the map's GeoJSON, bad input, roles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from analytics_seed import NOW, Seeded, seed
from complaints_support import Town, ok
from fastapi.testclient import TestClient

from maeul.core.roles import Role
from maeul.platform import clock
from maeul.platform.app import Platform

API = "/api/v1/complaints/analytics"


@pytest.fixture
def seeded(client: TestClient, platform: Platform, town: Town, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    monkeypatch.setattr(clock, "now_ms", lambda: NOW)
    yield seed(client, platform, town)


def test_hotspots_and_trend_alerts(client: TestClient, seeded: Seeded) -> None:
    viewer = seeded.town.tenant.headers[Role.VIEWER]
    report = ok(client.get(f"{API}/hotspots", headers=viewer), 200)
    assert report["now"] == NOW and report["days"] == 28
    assert report["located_requests"] == 16  # every seeded request (all within 28 days)
    [hot] = report["hotspots"]
    assert hot["category"] == "pothole" and hot["count"] == 5 and hot["district_code"] == "A"
    assert hot["district_name"] == "화도읍" and sorted(hot["request_ids"]) == sorted(seeded.hotspot_ids)
    assert hot["radius_m"] < 60 and hot["category_name_en"] == "Pothole"
    [alert] = report["alerts"]
    assert alert["district_code"] == "A" and alert["category"] == "pothole"
    assert alert["this_week"] == 5 and alert["baseline_per_week"] == 0.25 and alert["ratio"] == 20.0
    # P(X >= 5) for X ~ Binomial(6, 1/5): 6 * 0.2^5 * 0.8 + 0.2^6 = 0.0016
    assert alert["p_value"] == pytest.approx(0.0016, abs=1e-9)
    assert "Hwado-eup" in alert["message_en"] and "5 this week" in alert["message_en"]
    assert alert["message_ko"].startswith("화도읍의 '도로 파손' 민원이 이번 주 5건")
    # one category only, and a tighter neighbourhood that splits the cluster
    only_lights = ok(client.get(f"{API}/hotspots?category=streetlight", headers=viewer), 200)
    assert only_lights["hotspots"] == [] and only_lights["alerts"] == [] and only_lights["located_requests"] == 3
    tight = ok(client.get(f"{API}/hotspots?eps_m=5", headers=viewer), 200)
    assert tight["hotspots"] == []


def test_similar_districts_for_an_action(client: TestClient, seeded: Seeded) -> None:
    viewer = seeded.town.tenant.headers[Role.VIEWER]
    url = f"{API}/similar-districts?district=A&min_total=3&action_ko=가로등 증설&action_en=new street lights"
    found = ok(client.get(url, headers=viewer), 200)
    assert found["district_name"] == "화도읍" and found["districts_compared"] == 3
    assert [(m["district_code"], m["similarity"], m["total"]) for m in found["matches"]] == [
        ("B", 1.0, 4),
        ("C", 0.0, 4),
    ]
    assert found["matches"][0]["message_en"] == (
        "Consider 'new street lights', done in Hwado-eup, for Jinjeop-eup too (similarity 1.00)"
    )
    by_category = ok(client.get(f"{url}&category=pothole", headers=viewer), 200)
    assert [(m["district_code"], m["category_share"]) for m in by_category["matches"]] == [("B", 0.75)]
    # too few requests anywhere else at the default minimum of 20
    assert ok(client.get(f"{API}/similar-districts?district=A", headers=viewer), 200)["matches"] == []


def test_process_analytics(client: TestClient, seeded: Seeded) -> None:
    viewer = seeded.town.tenant.headers[Role.VIEWER]
    out = ok(client.get(f"{API}/process", headers=viewer), 200)
    overall = out["overall"]
    assert overall["requests"] == 16 and overall["finished"] == 2 and overall["median_hours"] == 39.0
    assert overall["overdue"] == 0 and overall["overdue_share"] == 0.0 and overall["transfers"] == 1
    by_category = {s["key"]: s for s in out["by_category"]}
    assert by_category["pothole"]["requests"] == 9 and by_category["pothole"]["median_hours"] == 39.0
    assert by_category["park_idea"]["finished"] == 0 and by_category["park_idea"]["median_hours"] is None
    by_department = {s["key"]: s for s in out["by_department"]}
    roads, parks = f"{seeded.town.id}-도로과", f"{seeded.town.id}-공원과"
    assert (by_department[roads]["requests"], by_department[roads]["median_hours"]) == (11, 26.0)
    assert (by_department[parks]["requests"], by_department[parks]["transfers"]) == (5, 1)
    assert by_department[parks]["median_hours"] == 52.0
    assert out["bottlenecks"] == ["received"] and out["steps"][0]["status"] == "received"
    accepted = next(s for s in out["steps"] if s["status"] == "accepted")
    assert accepted["visits"] == 2 and accepted["total_hours"] == 72.0  # 24 h (old pothole) + 48 h (B)
    # only the last 7 days: the old pothole (10 days ago) is left out
    week = ok(client.get(f"{API}/process?days=7", headers=viewer), 200)
    assert week["overall"]["requests"] == 15 and week["overall"]["median_hours"] == 52.0


def test_map_geojson_filters_and_hides_reporters(client: TestClient, seeded: Seeded) -> None:
    viewer = seeded.town.tenant.headers[Role.VIEWER]
    everything = ok(client.get(f"{API}/map", headers=viewer), 200)
    assert len(everything["features"]) == 16
    closed = ok(client.get(f"{API}/map?status=closed&lang=en", headers=viewer), 200)["features"]
    assert sorted(f["properties"]["id"] for f in closed) == sorted([seeded.resolved_a, seeded.transferred_b])
    assert {f["properties"]["status_label"] for f in closed} == {"resolved"}
    lights = ok(client.get(f"{API}/map?category=streetlight&days=7", headers=viewer), 200)["features"]
    assert len(lights) == 3 and all(f["properties"]["category_name"] == "가로등 고장" for f in lights)
    properties = everything["features"][0]["properties"]
    assert set(properties) == {"id", "status", "open", "status_label", "category", "category_name",
                               "requested_at", "overdue"}  # fmt: skip


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("hotspots?days=0", "days"),
        ("hotspots?min_reports=1", "min_reports"),
        ("hotspots?eps_m=-3", "eps_m"),
        ("similar-districts", "district"),
        ("similar-districts?district=Z", "no district Z"),
        ("similar-districts?district=A&category=nope", "no category nope"),
        ("similar-districts?district=A&top_k=0", "top_k"),
        ("process?days=abc", "days"),
        ("map?status=lost", "unknown status"),
    ],
)
def test_bad_input_is_refused_clearly(client: TestClient, seeded: Seeded, url: str, fragment: str) -> None:
    response = client.get(f"{API}/{url}", headers=seeded.town.admin)
    assert response.status_code == 422, response.text
    assert fragment in response.text
    assert response.json()["error"]["message_ko"]


def test_another_tenant_sees_none_of_it(client: TestClient, seeded: Seeded, make_town: object) -> None:
    other = make_town("suwon")  # type: ignore[operator]
    assert ok(client.get(f"{API}/hotspots", headers=other.admin), 200)["hotspots"] == []
    assert ok(client.get(f"{API}/map", headers=other.admin), 200)["features"] == []
    assert ok(client.get(f"{API}/process", headers=other.admin), 200)["overall"]["requests"] == 0
    assert client.get(f"{API}/similar-districts?district=A", headers=other.admin).status_code == 422
    assert client.get(f"{API}/hotspots").status_code == 401

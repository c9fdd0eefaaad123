"""Console map and analytics pages in Korean and English, on both stores, over the seeded town."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from analytics_seed import NOW, Seeded, seed
from complaints_support import Town
from fastapi.testclient import TestClient

from maeul.core.roles import Role
from maeul.platform import clock
from maeul.platform.app import Platform


@pytest.fixture
def seeded(client: TestClient, platform: Platform, town: Town, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    monkeypatch.setattr(clock, "now_ms", lambda: NOW)
    yield seed(client, platform, town)


def test_map_page_in_both_languages(client: TestClient, seeded: Seeded) -> None:
    viewer = seeded.town.tenant.headers[Role.VIEWER]
    page = client.get("/console/complaints/map?category=pothole&status=open&days=30&colour=category", headers=viewer)
    assert page.status_code == 200, page.text
    text = page.text
    assert "<h1>민원 지도</h1>" in text and "data-complaints-map" in text and 'data-colour-by="category"' in text
    assert "/api/v1/complaints/analytics/map?days=30&amp;category=pothole&amp;status=open&amp;lang=ko" in text
    assert "/api/v1/complaints/analytics/hotspots?days=30&amp;category=pothole" in text
    assert '<option value="pothole" selected>' in text
    english = client.get("/console/complaints/map?lang=en&status=nonsense&days=3", headers=viewer)
    assert english.status_code == 200 and "<h1>Map of requests</h1>" in english.text
    # unknown filters fall back to the defaults rather than failing the page
    assert "analytics/map?days=90&amp;lang=en" in english.text
    assert client.get("/console/complaints/map").status_code in (302, 303, 401)


def test_analytics_page_in_both_languages(client: TestClient, seeded: Seeded) -> None:
    viewer = seeded.town.tenant.headers[Role.VIEWER]
    page = client.get("/console/complaints/analytics", headers=viewer)
    assert page.status_code == 200, page.text
    text = page.text
    assert "<h1>민원 분석</h1>" in text
    assert "화도읍의 &#39;도로 파손&#39; 민원이 이번 주 5건" in text  # the trend alert
    assert "<td>도로 파손</td><td>화도읍</td><td>5</td>" in text  # the hotspot row
    assert f'<th scope="row">{seeded.town.id}-공원과</th><td>5</td><td>1</td><td>52.0</td>' in text
    assert "data-complaints-chart" in text and "&#34;median&#34;: [52.0, 26.0]" in text
    english = client.get("/console/complaints/analytics",
        params={"lang": "en", "district": "A", "category": "pothole", "action": "new lights", "min_total": 3},
                         headers=viewer)  # fmt: skip
    assert english.status_code == 200
    assert "Pothole reports in Hwado-eup: 5 this week" in english.text
    assert "Consider &#39;new lights&#39;, done in Hwado-eup, for Jinjeop-eup too (similarity 1.00)" in english.text
    missing = client.get("/console/complaints/analytics?lang=en&district=Z", headers=viewer)
    assert missing.status_code == 200 and 'role="alert">no district Z' in missing.text

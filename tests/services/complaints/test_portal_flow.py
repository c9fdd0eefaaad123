"""The residents' flow on both stores: the report page (map pin, the classifier's suggestion, similar open
reports nearby), "follow this one instead" with its notifications (also through a merge), the status page by
token or number, the public statistics (no names or text, small counts hidden), and clear refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from complaints_support import Town, ok, reported
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_models import small_csv

from maeul.adapters.sql.districts import replace_districts
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.platform.app import Platform
from maeul.services.complaints import ai

PORTAL = "/portal/complaints"


@pytest.fixture(autouse=True)
def no_models_left() -> Iterator[None]:
    yield None
    for tenant in ("namyangju", None):
        ai.use_classifier(None, tenant_id=tenant)


def outbox(platform: Platform) -> list[dict[str, Any]]:
    with platform.engine.connect() as conn:
        rows = conn.execute(
            select(notify_outbox).where(notify_outbox.c.kind == "complaint").order_by(notify_outbox.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def csrf(client: TestClient, town: Town) -> str:
    client.get(f"{PORTAL}/?tenant={town.id}")
    return str(client.cookies["maeul_csrf"])


def test_report_page_in_both_languages_with_map_pin_and_suggestions(client: TestClient, town: Town) -> None:
    page = client.get(f"{PORTAL}/?tenant={town.id}")
    assert page.status_code == 200 and "<h1>민원 신청</h1>" in page.text
    for part in (
        "data-pin-map",
        'id="r-lat"',
        'id="r-long"',
        "data-locate",
        'hx-get="/portal/complaints/suggest"',
        f"/portal/complaints/districts.geojson?tenant={town.id}",
        "/portal/complaints/complaints.js",
    ):
        assert part in page.text, part  # fmt: skip
    english = client.get(f"{PORTAL}/?tenant={town.id}&lang=en")
    assert "<h1>Report a problem</h1>" in english.text and "Use my location" in english.text
    # no model yet: no suggestion, and the page still works
    quiet = client.get(f"{PORTAL}/suggest?tenant={town.id}&description=도로가+패였어요")
    assert quiet.status_code == 200 and "Suggested" not in quiet.text and "추천 유형" not in quiet.text
    headers = {**town.admin, "content-type": "text/csv"}
    ok(client.post("/api/v1/complaints/labelled", content=small_csv().encode(), headers=headers))
    ok(client.post("/api/v1/complaints/models/retrain", json={"folds": 0}, headers=town.admin))
    road = {"code": "road_damage", "name": "도로 파손", "name_en": "Road damage", "kind": "grievance"}
    ok(client.post("/api/v1/complaints/categories", json=road, headers=town.admin))
    text = next(r.text for r in ai.parse_labelled_csv(small_csv())[0] if r.category == "road_damage")
    hinted = client.get(f"{PORTAL}/suggest", params={"tenant": town.id, "description": text, "lang": "en"})
    assert hinted.status_code == 200 and "Suggested category: <strong>Road damage</strong>" in hinted.text
    # the no-JS path: the same suggestion on the full page, the category preselected
    full = client.get(f"{PORTAL}/", params={"tenant": town.id, "description": text})
    assert '<option value="road_damage" selected>' in full.text
    assert client.get(f"{PORTAL}/?tenant=nowhere").status_code == 404


def test_follow_instead_track_and_get_told(client: TestClient, town: Town, platform: Platform) -> None:
    first = reported(client, town, description="도로에 큰 구멍이 있어요", email="reporter@example.kr")
    near = client.get(f"{PORTAL}/suggest?tenant={town.id}&service_code=pothole&lat=37.6301&long=127.2101"
                      "&description=도로에 큰 구멍이 있어요")  # fmt: skip
    assert near.status_code == 200 and f'name="request_id" value="{first}"' in near.text
    assert "이 민원 따라가기" in near.text and "reporter@example.kr" not in near.text
    far = client.get(f"{PORTAL}/suggest?tenant={town.id}&service_code=pothole&lat=37.70&long=127.30&description=구멍")
    assert 'name="request_id"' not in far.text
    token = csrf(client, town)
    followed = client.post(f"{PORTAL}/follow", data={"csrf": token, "tenant": town.id, "request_id": str(first),
                                                    "email": "neighbour@example.kr"})  # fmt: skip
    assert followed.status_code == 200, followed.text
    tracking = followed.text.split("<code>")[1].split("</code>")[0]
    status = client.get(f"{PORTAL}/status?tenant={town.id}&token={tracking}")
    assert status.status_code == 200 and f"민원 {first}" in status.text and "접수" in status.text
    # a staff change reaches the reporter and the follower
    change = {"status": "in_progress", "public_text": "보수 예정"}
    ok(client.post(f"/api/v1/complaints/requests/{first}/status", json=change, headers=town.admin), 200)
    addresses = {r["address"] for r in outbox(platform)}
    assert {"reporter@example.kr", "neighbour@example.kr"} <= addresses
    # a second report merged into the first: its reporter and its follower get the first one's updates
    second = reported(client, town, description="구멍이 또 있어요", email="second@example.kr")
    fields = {"csrf": token, "tenant": town.id, "request_id": str(second), "phone": "010-1234-5678"}
    followed_second = client.post(f"{PORTAL}/follow", data=fields)
    assert followed_second.status_code == 200
    ok(client.post(f"/api/v1/complaints/requests/{second}/merge", json={"into_id": first}, headers=town.admin), 200)
    before = {r["id"] for r in outbox(platform)}
    ok(client.post(f"/api/v1/complaints/requests/{first}/answer", json={"text": "보수를 마쳤습니다"},
                   headers=town.admin), 200)  # fmt: skip
    told = {(r["channel"], r["address"]) for r in outbox(platform) if r["id"] not in before}
    assert told == {("email", "reporter@example.kr"), ("email", "neighbour@example.kr"),
                    ("email", "second@example.kr"), ("sms", "010-1234-5678")}  # fmt: skip
    history = client.get(f"{PORTAL}/status?tenant={town.id}&id={first}&lang=en")
    assert "보수를 마쳤습니다" in history.text and "resolved" in history.text
    assert "reporter@example.kr" not in history.text and "neighbour" not in history.text
    # the merged request's page leads to the one it joined
    merged = client.get(f"{PORTAL}/status?tenant={town.id}&id={second}&lang=en")
    assert f"Handled together with request {first}" in merged.text


def test_refusals_are_clear(client: TestClient, town: Town) -> None:
    first = reported(client, town)
    token = csrf(client, town)
    cases = [
        ({"request_id": str(first), "email": "not-an-address"}, "전자우편 주소 형식"),
        ({"request_id": str(first), "phone": "call me"}, "전화번호 형식"),
        ({"request_id": "abc"}, "따라갈 민원을 고르십시오"),
        ({"request_id": "999999"}, ""),
    ]
    for fields, korean in cases:
        response = client.post(f"{PORTAL}/follow", data={"csrf": token, "tenant": town.id, **fields})
        assert response.status_code in (404, 422), response.text
        assert korean in response.text
    ok(client.post(f"/api/v1/complaints/requests/{first}/status", json={"status": "resolved"}, headers=town.admin), 200)
    finished = client.post(f"{PORTAL}/follow", data={"csrf": token, "tenant": town.id, "request_id": str(first)})
    assert finished.status_code == 422 and "이미 처리가 끝난 민원" in finished.text
    stale = client.post(f"{PORTAL}/follow", data={"tenant": town.id, "request_id": str(first)})
    assert stale.status_code == 403
    unknown = client.get(f"{PORTAL}/status?tenant={town.id}&token=nothing", headers={"Accept": "text/html"})
    assert unknown.status_code == 404 and "찾을 수 없습니다" in unknown.text
    assert client.get(f"{PORTAL}/status?tenant={town.id}&id=999999").json()["error"]["code"] == "not_found"
    assert client.get(f"{PORTAL}/stats?tenant={town.id}&days=7").status_code == 422


def test_public_statistics_hide_people_and_small_counts(client: TestClient, town: Town, platform: Platform) -> None:
    from analytics_seed import DISTRICTS

    with platform.engine.begin() as conn:
        replace_districts(conn, town.id, DISTRICTS)
    secret = "김비밀"
    for i in range(4):
        reported(client, town, description=f"비밀 내용 {i}", first_name=secret, email=f"s{i}@example.kr",
                 lat="37.62", long="127.22")  # fmt: skip
    park = {"service_code": "park_idea", "attribute[size]": None, "first_name": secret}
    reported(client, town, description="혼자 있는 민원", lat="37.62", long="127.27", **park)
    for i in range(2):
        reported(client, town, description=f"둘 중 하나 {i}", lat="37.62", long=f"127.3{i}", **park)
    page = client.get(f"{PORTAL}/stats?tenant={town.id}")
    assert page.status_code == 200, page.text
    text = page.text
    for private in (secret, "비밀 내용", "혼자 있는", "둘 중 하나", "example.kr"):
        assert private not in text, private
    assert '<p class="stat">7</p>' in text  # 7 requests in the last 30 days
    assert '<th scope="row">화도읍</th><td>4</td>' in text
    # 1 in 진접읍 and 2 in 별내동: both hidden; together (3) they do not give each other away
    assert (
        '<th scope="row">진접읍</th><td>3건 미만</td>' in text
        and '<th scope="row">별내동</th><td>3건 미만</td>' in text
    )
    assert '<th scope="row">공원 건의</th><td>3</td>' in text
    english = client.get(f"{PORTAL}/stats?tenant={town.id}&days=90&lang=en")
    assert "<h1>Complaint statistics</h1>" in english.text and "fewer than 3" in english.text

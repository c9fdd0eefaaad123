"""The warnings API on both stores: a storm through a station, manual warnings, subscriptions, shelters, the
public feed and status. Every CAP document produced is validated against the CAP 1.2 schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from maeul.adapters.sql.notify_outbox import merged
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.platform.app import Platform
from maeul.services.warnings.residents import Place

from .support import A_DISTRICTS, MINUTE, T0, confirmed_subscriber, districts, send, wait_idle

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}
STORM = [1.0, 1.5, 2.0, 2.6, 3.0, 3.6, 4.0, 4.6, 5.0, 5.6, 5.0, 4.0, 3.0, 2.0, 1.0] + [1.0] * 12


@pytest.fixture
def town(client: TestClient, make_tenant: Callable[[str], Any]) -> Any:
    tenant = make_tenant("namyangju")
    response = client.put("/api/v1/districts", json=districts(A_DISTRICTS), headers=tenant.admin)
    assert response.status_code == 200, response.text
    return tenant


def new_station(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"name": "와부 수위국", "kind": "river_level", "lon": 127.25, "lat": 37.55, "district_code": "3113011"}
    response = client.post("/api/v1/warnings/stations", json={**body, **extra}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def cap_of(client: TestClient, identifier: str, schema: etree.XMLSchema) -> etree._Element:
    response = client.get(f"/api/v1/warnings/public/cap?tenant=namyangju&identifier={identifier}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/cap+xml")
    root = etree.fromstring(response.content)
    schema.assertValid(root)
    return root


def test_a_storm_issues_alert_updates_and_cancel_to_the_area(
    client: TestClient, town: Any, platform: Platform, cap_schema: etree.XMLSchema
) -> None:
    station = new_station(client, town.admin)
    inside = [confirmed_subscriber(platform, "namyangju", f"r{i}@example.org", [Place("3113011")]) for i in range(3)]
    confirmed_subscriber(platform, "namyangju", "far@example.org", [Place("3113012")])  # another district
    confirmed_subscriber(platform, "namyangju", "late@example.org", [Place("3113011")], min_stage=4)
    send(client, station["device_token"], [(T0 + i * 5 * MINUTE, v) for i, v in enumerate(STORM)])
    wait_idle(platform)

    items = client.get("/api/v1/warnings/alerts", headers=town.admin).json()["items"]
    assert len(items) == 1 and items[0]["active"] is False and items[0]["max_stage"] == 4
    detail = client.get(f"/api/v1/warnings/alerts/{items[0]['id']}", headers=town.admin).json()
    chain = [(m["msg_type"], m["stage"]) for m in detail["messages"]]
    assert chain[0][0] == "Alert" and chain[-1] == ("Cancel", 0)
    assert max(s for _, s in chain) == 4 and all(t == "Update" for t, _ in chain[1:-1])
    # The forecast raised the first stage before the level reached 주의's threshold.
    assert detail["messages"][0]["stage"] >= 1

    identifiers = []
    for message in detail["messages"]:
        root = cap_of(client, message["identifier"], cap_schema)
        refs = (root.findtext("cap:references", namespaces=NS) or "").split()
        assert [r.split(",")[1] for r in refs] == identifiers  # every earlier message, in order
        identifiers.append(message["identifier"])
        info = root.find("cap:info", NS)
        assert info is not None and info.findtext("cap:language", namespaces=NS) == "ko-KR"
        assert info.findtext("cap:area/cap:geocode/cap:value", namespaces=NS) == "3113011"
        # Residents are told from their own minimum stage on: the 심각-only resident joins at 심각 and then
        # hears every later message of the warning, down to the all-clear.
        joined = message["stage"] == 4 or any(m["stage"] == 4 for m in detail["messages"][: len(identifiers) - 1])
        assert message["recipients"] == len(inside) + (1 if joined else 0), message
    assert detail["messages"][-1]["recipients"] == len(inside) + 1  # the all-clear reaches everyone told

    with platform.engine.connect() as conn:
        stored = conn.execute(select(notify_outbox).where(notify_outbox.c.kind.like("cap_%"))).mappings()
        # as the dispatcher reads them: each row's own id and address with its message's texts (a template)
        rows = merged(conn, [dict(r) for r in stored])
    assert len(rows) == len({r["id"] for r in rows}) == sum(m["recipients"] for m in detail["messages"])
    assert all(r["notification"]["id"] == r["id"] and r["notification"]["subject_ko"] for r in rows)
    assert all(r["notification"]["recipient"] == r["address"] for r in rows)
    # the operators' delivery log shows a resident's messages with their subjects (from the shared template)
    logged = client.get(f"/api/v1/notifications?recipient=r{inside[0]}", headers=town.admin).json()["items"]
    assert len(logged) == len(detail["messages"]) and all(n["subject_ko"] and n["subject_en"] for n in logged)

    feed = client.get("/api/v1/warnings/public/feed?tenant=namyangju")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    links = etree.fromstring(feed.content).findall("atom:entry/atom:link", NS)
    assert len(links) == len(identifiers) and all("identifier=maeul.namyangju." in link.get("href") for link in links)

    status = client.get("/api/v1/warnings/public/status?tenant=namyangju").json()
    (shown,) = status["stations"]
    assert shown["stage"] == 0 and shown["last_value"] == 1.0 and len(shown["readings"]) > 10
    assert status["active_alerts"] == []


def test_manual_warnings_for_a_drawn_polygon(
    client: TestClient, town: Any, platform: Platform, cap_schema: etree.XMLSchema
) -> None:
    near = confirmed_subscriber(platform, "namyangju", "near@example.org", [Place(None, 127.33, 37.53, 500)])
    confirmed_subscriber(platform, "namyangju", "away@example.org", [Place(None, 127.22, 37.66, 500)])
    polygon = {"type": "Polygon", "coordinates": [[[127.3, 37.5], [127.4, 37.5], [127.4, 37.6], [127.3, 37.5]]]}
    body = {
        "event_ko": "가스 누출",
        "event_en": "Gas leak",
        "stage": 3,
        "polygon": polygon,
        "note_ko": "창문을 닫으십시오",
    }
    created = client.post("/api/v1/warnings/alerts", json=body, headers=town.admin)
    assert created.status_code == 201, created.text
    alert = created.json()
    assert alert["sent"]["recipients"] == 1 and near
    root = cap_of(client, alert["sent"]["identifier"], cap_schema)
    assert root.findtext("cap:info/cap:category", namespaces=NS) == "Safety"
    path = f"/api/v1/warnings/alerts/{alert['id']}"
    updated = client.post(f"{path}/update", json={"stage": 4}, headers=town.admin).json()
    assert updated["sent"]["msg_type"] == "Update" and updated["stage"] == 4
    cancelled = client.post(f"{path}/cancel", json={}, headers=town.admin).json()
    assert cancelled["sent"]["msg_type"] == "Cancel" and cancelled["active"] is False
    for message in cancelled["messages"]:
        cap_of(client, message["identifier"], cap_schema)
    again = client.post(f"{path}/cancel", json={}, headers=town.admin)
    assert again.status_code == 422 and again.json()["error"]["message_ko"]
    # An exercise is published but never sent to residents.
    drill = client.post("/api/v1/warnings/alerts", json={**body, "status": "Exercise"}, headers=town.admin).json()
    assert drill["sent"]["recipients"] == 0
    root = cap_of(client, drill["sent"]["identifier"], cap_schema)
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"event_ko": "x", "event_en": "x", "stage": 2}, 422),  # no area
        ({"event_ko": "x", "event_en": "x", "stage": 2, "district_codes": ["999"]}, 422),
        ({"event_ko": "x", "event_en": "x", "stage": 5, "district_codes": ["3113011"]}, 422),
        ({"event_ko": "x", "event_en": "x", "stage": 2, "polygon": {"type": "Point", "coordinates": [1, 2]}}, 422),
    ],
)
def test_bad_manual_warnings_are_refused(client: TestClient, town: Any, body: dict[str, Any], status: int) -> None:
    response = client.post("/api/v1/warnings/alerts", json=body, headers=town.admin)
    assert response.status_code == status and response.json()["error"]["message_ko"]
    assert client.get("/api/v1/warnings/alerts", headers=town.admin).json()["items"] == []


def test_residents_subscribe_confirm_and_unsubscribe(client: TestClient, town: Any, platform: Platform) -> None:
    body = {
        "tenant": "namyangju",
        "channel": "sms",
        "address": "010-1234-5678",
        "language": "en",
        "places": [{"district_code": "3113012"}, {"lon": 127.25, "lat": 37.55, "radius_m": 800}],
    }
    response = client.post("/api/v1/warnings/public/subscriptions", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending" and response.json()["districts"] == ["3113011", "3113012"]
    with platform.engine.connect() as conn:
        (row,) = conn.execute(select(notify_outbox).where(notify_outbox.c.kind == "confirm")).mappings()
    assert row["address"] == "+821012345678"
    code = row["notification"]["body_en"].split("Confirmation code: ")[1].split()[0]
    manage = row["notification"]["body_en"].split("Unsubscribe code: ")[1].split()[0]
    confirm = client.post("/api/v1/warnings/public/subscriptions/confirm", json={"tenant": "namyangju", "token": code})
    assert confirm.json()["status"] == "active"
    again = client.post("/api/v1/warnings/public/subscriptions/confirm", json={"tenant": "namyangju", "token": code})
    assert again.status_code == 404 and again.json()["error"]["message_ko"]
    twice = client.post("/api/v1/warnings/public/subscriptions", json=body)
    assert twice.status_code == 409
    assert client.get("/api/v1/warnings/subscribers/summary", headers=town.admin).json() == {"active": 1}
    gone = client.post(
        "/api/v1/warnings/public/subscriptions/unsubscribe", json={"tenant": "namyangju", "token": manage}
    )
    assert gone.json()["status"] == "unsubscribed"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"address": "not-an-address", "channel": "email"}, 422),
        ({"address": "12", "channel": "sms"}, 422),
        ({"address": '{"endpoint": "x"}', "channel": "webpush"}, 422),
        ({"places": [{"district_code": "0000000"}]}, 422),
        ({"places": [{"lon": 127.2}]}, 422),
        ({"places": [{"lon": 127.2, "lat": 37.5, "radius_m": 90000}]}, 422),
        ({"tenant": "nowhere"}, 404),
        ({"places": []}, 422),
    ],
)
def test_bad_subscriptions_are_refused(
    client: TestClient, town: Any, platform: Platform, change: dict[str, Any], status: int
) -> None:
    body = {
        "tenant": "namyangju",
        "channel": "email",
        "address": "a@example.org",
        "places": [{"district_code": "3113011"}],
    }
    response = client.post("/api/v1/warnings/public/subscriptions", json={**body, **change})
    assert response.status_code == status, response.text
    assert response.json()["error"]["message_ko"]
    assert client.get("/api/v1/warnings/subscribers/summary", headers=town.admin).json() == {}


SHELTERS = "name,name_en,kind,lon,lat,capacity,hours\n와부 체육관,Wabu gym,evacuation,127.26,37.56,500,24/7\n"


def test_shelters_import_and_nearest(client: TestClient, town: Any) -> None:
    csv_headers = {**town.admin, "Content-Type": "text/csv"}
    assert client.put("/api/v1/warnings/shelters", content=SHELTERS, headers=csv_headers).json() == {"imported": 1}
    bad = client.put("/api/v1/warnings/shelters", content=SHELTERS + "x,,party,1,2,,\n", headers=csv_headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0].startswith("line 3")
    assert len(client.get("/api/v1/warnings/shelters", headers=town.admin).json()["items"]) == 1  # kept
    near = client.get("/api/v1/warnings/public/shelters/nearest?tenant=namyangju&lon=127.25&lat=37.55").json()
    assert near["items"][0]["name"] == "와부 체육관" and 1000 < near["items"][0]["distance_m"] < 2000
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "쉼터", "kind": "heat"},
                "geometry": {"type": "Point", "coordinates": [127.2, 37.5]},
            }
        ],
    }
    assert client.put("/api/v1/warnings/shelters", json=geo, headers=town.admin).json() == {"imported": 1}


def test_the_warning_names_the_nearest_open_shelter(client: TestClient, town: Any, platform: Platform) -> None:
    csv_headers = {**town.admin, "Content-Type": "text/csv"}
    client.put("/api/v1/warnings/shelters", content=SHELTERS, headers=csv_headers)
    station = new_station(client, town.admin)
    send(client, station["device_token"], [(T0, 6.0)])
    wait_idle(platform)
    (alert,) = client.get("/api/v1/warnings/alerts", headers=town.admin).json()["items"]
    (message,) = client.get(f"/api/v1/warnings/alerts/{alert['id']}", headers=town.admin).json()["messages"]
    assert "와부 체육관 (1.4 km)" in message["instruction_ko"] and "Wabu gym" in message["instruction_en"]


def test_stations_are_configurable_and_checked(client: TestClient, town: Any) -> None:
    station = new_station(client, town.admin, config={"thresholds": [1, 2, 3, 4]})
    assert station["config"]["thresholds"] == [1, 2, 3, 4] and station["district_codes"] == ["3113011"]
    path = f"/api/v1/warnings/stations/{station['id']}"
    patched = client.patch(
        path, json={"config": {"band": 0.5}, "district_codes": ["3113011", "3113012"]}, headers=town.admin
    )
    assert patched.status_code == 200 and patched.json()["config"]["band"] == 0.5
    for body in ({"config": {"thresholds": [3, 2, 1, 0]}}, {"district_codes": ["nowhere"]}):
        response = client.patch(path, json=body, headers=town.admin)
        assert response.status_code == 422 and response.json()["error"]["message_ko"]
    assert client.get(path, headers=town.admin).json()["config"]["band"] == 0.5
    dup = client.post(
        "/api/v1/warnings/stations",
        json={"name": "와부 수위국", "kind": "rainfall", "district_code": "3113011"},
        headers=town.admin,
    )
    assert dup.status_code == 409
    assert client.get("/api/v1/warnings/stations/999", headers=town.admin).status_code == 404
    listed = client.get("/api/v1/warnings/stations", headers=town.admin).json()["items"]
    assert [s["name"] for s in listed] == ["와부 수위국"]
    profiles = client.get("/api/v1/profiles", headers=town.admin).json()
    names = [p["name"] for p in (profiles["items"] if isinstance(profiles, dict) else profiles)]
    assert "warnings-river-level" in names

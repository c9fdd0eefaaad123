"""The warnings pages on both stores: the portal (status map and list, station card, nearest shelter, subscribing
without an account) and the console (stations, warnings with their CAP messages, a manual warning, update and
all-clear, shelters and their import), in Korean and English; CSRF and roles on every form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import func, select

from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.core.roles import Role
from maeul.platform.app import Platform
from maeul.services.warnings import residents
from maeul.services.warnings.tables import alerts as alerts_table
from maeul.services.warnings.tables import shelters as shelters_table
from maeul.services.warnings.tables import subscribers

from .support import A_DISTRICTS, MINUTE, T0, districts, send, wait_idle

RISING = [1.0, 1.5, 2.0, 2.6, 3.0, 3.6, 4.0, 4.6]  # the river rises towards 심각: an active warning
SHELTERS = (
    "name,kind,lon,lat,name_en,capacity,hours,address\n"
    "와부읍 행정복지센터,evacuation,127.26,37.56,Wabu-eup office,300,24/7,와부읍 덕소로 1\n"
    "조안면 무더위쉼터,heat,127.31,37.53,Joan heat shelter,40,24/7,\n"
)
HTML = {"Accept": "text/html"}
EN = {"Cookie": "maeul_lang=en"}


@dataclass
class Town:
    tenant: Any
    station: dict[str, Any]
    alert_id: int
    stage: int


def station_body(name: str, code: str) -> dict[str, Any]:
    return {"name": name, "name_en": "Wabu gauge", "kind": "river_level", "lon": 127.25, "lat": 37.55,
            "district_code": code}  # fmt: skip


@pytest.fixture
def town(client: TestClient, make_tenant: Callable[[str], Any], platform: Platform) -> Town:
    tenant = make_tenant("namyangju")
    assert client.put("/api/v1/districts", json=districts(A_DISTRICTS), headers=tenant.admin).status_code == 200
    body = station_body("와부 수위국", "3113011")
    created = client.post("/api/v1/warnings/stations", json=body, headers=tenant.admin)
    assert created.status_code == 201, created.text
    station = created.json()
    shelters = client.put("/api/v1/warnings/shelters", content=SHELTERS.encode(),
                          headers={**tenant.admin, "Content-Type": "text/csv"})  # fmt: skip
    assert shelters.status_code == 200, shelters.text
    send(client, station["device_token"], [(T0 + i * 5 * MINUTE, v) for i, v in enumerate(RISING)])
    wait_idle(platform)
    active = client.get("/api/v1/warnings/alerts?active=true", headers=tenant.admin).json()["items"]
    assert len(active) == 1, active
    # Another municipality, whose things must never show on the first one's pages.
    other = make_tenant("suwon")
    other_districts = {"4111101": (127.0, 37.2)}
    assert client.put("/api/v1/districts", json=districts(other_districts), headers=other.admin).status_code == 200
    made = client.post("/api/v1/warnings/stations", json=station_body("수원천 수위국", "4111101"), headers=other.admin)
    assert made.status_code == 201
    return Town(tenant, station, active[0]["id"], active[0]["stage"])


def sign_in(client: TestClient, tenant: str, role: Role) -> str:
    """A browser session of the role's user; returns the CSRF token of its cookie."""
    client.get("/console/sign-in", headers=HTML)
    csrf = str(client.cookies["maeul_csrf"])
    body = {"csrf": csrf, "tenant": tenant, "username": f"{role.value}-{tenant}", "password": "password-1",
            "next": "/console"}  # fmt: skip
    response = client.post("/console/sign-in", data=body, headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf


def count(platform: Platform, table: Any, *where: Any) -> int:
    with platform.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def cap_valid(client: TestClient, identifier: str, schema: etree.XMLSchema) -> etree._Element:
    response = client.get(f"/api/v1/warnings/public/cap?tenant=namyangju&identifier={identifier}")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    schema.assertValid(root)
    return root


# --- portal -----------------------------------------------------------------------------------------------------


def test_the_status_page_lists_stations_and_warnings_in_both_languages(client: TestClient, town: Town) -> None:
    page = client.get("/portal/warnings/?tenant=namyangju", headers=HTML)
    assert page.status_code == 200, page.text
    html = page.text
    assert "와부 수위국" in html and "수원천" not in html
    stage = town.stage  # the storm's warning, raised early by the forecast
    assert html.count(f'class="badge stage-{stage}"') == 2 and "하천 홍수" in html  # the station and its warning
    assert "/api/v1/warnings/public/cap?tenant=namyangju&amp;identifier=maeul.namyangju." in html
    assert "/api/v1/warnings/public/feed?tenant=namyangju" in html
    assert "data-warnings-map" in html and "/portal/warnings/warnings.js" in html
    assert '<option value="3113011">3113011동</option>' in html  # the districts for the nearest-shelter form
    english = client.get("/portal/warnings/?tenant=namyangju", headers={**HTML, **EN}).text
    assert "Active warnings" in english and "Wabu gauge" in english and ">serious<" in english
    assert "3113011-dong" in english
    # Large text is the portal's setting; the page keeps it.
    large = client.get("/portal/warnings/?tenant=namyangju", headers={**HTML, "Cookie": "maeul_text=large"}).text
    assert '<html lang="ko" class="large-text">' in large
    # With two municipalities and none chosen, the page asks which.
    chooser = client.get("/portal/warnings/", headers=HTML)
    assert chooser.status_code == 200 and 'name="tenant"' in chooser.text and "와부" not in chooser.text


def test_station_card_and_areas_of_active_warnings(client: TestClient, town: Town) -> None:
    station_id = town.station["id"]
    page = client.get(f"/portal/warnings/station?tenant=namyangju&id={station_id}", headers=HTML)
    assert page.status_code == 200 and "<h1>" in page.text and "data-readings" in page.text
    assert "4.60 m" in page.text  # the last reading, also as text
    fragment = client.get(f"/portal/warnings/station?tenant=namyangju&id={station_id}&fragment=1", headers=HTML)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "station-card" in fragment.text
    # A station of another municipality is not found through this one.
    other = client.get("/api/v1/warnings/public/status?tenant=suwon").json()["stations"][0]["id"]
    assert client.get(f"/portal/warnings/station?tenant=namyangju&id={other}", headers=HTML).status_code == 404
    areas = client.get("/portal/warnings/areas.geojson?tenant=namyangju")
    assert areas.status_code == 200 and areas.headers["content-type"].startswith("application/geo+json")
    (feature,) = areas.json()["features"]
    assert feature["properties"]["stage"] == town.stage and feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert client.get("/portal/warnings/areas.geojson?tenant=suwon").json()["features"] == []
    assert client.get("/portal/warnings/warnings.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/portal/warnings/warnings.css").headers["content-type"].startswith("text/css")


def test_nearest_open_shelter_from_a_point_or_a_district(client: TestClient, town: Town) -> None:
    by_point = client.get("/portal/warnings/shelters?tenant=namyangju&lon=127.3&lat=37.53", headers=HTML)
    assert by_point.status_code == 200, by_point.text
    text = by_point.text
    assert text.index("조안면 무더위쉼터") < text.index("와부읍 행정복지센터")  # nearest first
    assert "km" in text and "data-shelter-map" in text and "와부읍 덕소로 1" in text
    heat_only = client.get("/portal/warnings/shelters?tenant=namyangju&lon=127.26&lat=37.56&kind=heat", headers=HTML)
    assert "조안면 무더위쉼터" in heat_only.text and "와부읍 행정복지센터" not in heat_only.text
    by_district = client.get("/portal/warnings/shelters?tenant=namyangju&district=3113011", headers={**HTML, **EN})
    assert by_district.status_code == 200 and "Wabu-eup office" in by_district.text
    bad = client.get("/portal/warnings/shelters?tenant=namyangju&lon=east&lat=37.5", headers=HTML)
    assert bad.status_code == 422 and "경도와 위도는 숫자여야 합니다" in bad.text and "must be numbers" in bad.text
    outside = client.get("/portal/warnings/shelters?tenant=namyangju&lon=500&lat=37.5", headers=HTML)
    assert outside.status_code == 422 and 'role="alert"' in outside.text


def _outbox_code(platform: Platform, label: str) -> str:
    with platform.engine.connect() as conn:
        rows = conn.execute(select(notify_outbox.c.notification).where(notify_outbox.c.kind == "confirm")).all()
    body = rows[-1].notification["body_en"]
    found = re.search(rf"{label}: (\S+)", body)
    assert found, body
    return found.group(1)


def test_subscribe_confirm_and_unsubscribe_without_an_account(
    client: TestClient, town: Town, platform: Platform
) -> None:
    form = client.get("/portal/warnings/subscribe?tenant=namyangju", headers=HTML)
    assert form.status_code == 200 and 'name="district"' in form.text
    csrf = str(client.cookies["maeul_csrf"])
    body = {"csrf": csrf, "tenant": "namyangju", "district": ["3113011", "3113012"], "channel": "email",
            "address": "resident@example.org", "language": "both", "min_stage": "2"}  # fmt: skip
    done = client.post("/portal/warnings/subscribe", data=body, headers=HTML)
    assert done.status_code == 200, done.text
    assert "/portal/warnings/confirm?tenant=namyangju" in done.text and 'role="status"' in done.text
    with platform.engine.connect() as conn:
        (sub_id,) = conn.execute(select(subscribers.c.id)).scalars()
        sub = residents.get_subscriber(conn, "namyangju", sub_id)
    assert sub["status"] == "pending" and sorted(sub["districts"]) == ["3113011", "3113012"]

    # A point with a radius works too; the confirmation code arrives through the outbox.
    point = {"csrf": csrf, "tenant": "namyangju", "lon": "127.25", "lat": "37.55", "radius_m": "800",
             "channel": "sms", "address": "010-1234-5678"}  # fmt: skip
    assert client.post("/portal/warnings/subscribe", data=point, headers=HTML).status_code == 200
    code = _outbox_code(platform, "Confirmation code")
    confirmed = client.post("/portal/warnings/confirm", data={"csrf": csrf, "tenant": "namyangju", "token": code},
                            headers=HTML)  # fmt: skip
    assert confirmed.status_code == 200 and 'role="status"' in confirmed.text
    again = client.post("/portal/warnings/confirm", data={"csrf": csrf, "tenant": "namyangju", "token": code},
                        headers=HTML)  # fmt: skip
    assert again.status_code == 404 and "코드를 찾을 수 없습니다" in again.text
    stop = _outbox_code(platform, "Unsubscribe code")
    page = client.get(f"/portal/warnings/unsubscribe?tenant=namyangju&code={stop}", headers=HTML)
    assert page.status_code == 200 and f'value="{stop}"' in page.text
    gone = client.post("/portal/warnings/unsubscribe", data={"csrf": csrf, "tenant": "namyangju", "token": stop},
                       headers=HTML)  # fmt: skip
    assert gone.status_code == 200
    assert count(platform, subscribers, subscribers.c.status == "unsubscribed") == 1


def test_bad_subscriptions_are_refused_clearly_and_store_nothing(
    client: TestClient, town: Town, platform: Platform
) -> None:
    client.get("/portal/warnings/subscribe?tenant=namyangju", headers=HTML)
    csrf = str(client.cookies["maeul_csrf"])
    base = {"csrf": csrf, "tenant": "namyangju", "channel": "email", "address": "kim@example.org"}
    nowhere = client.post("/portal/warnings/subscribe", data=base, headers=HTML)
    assert nowhere.status_code == 422 and "읍면동을 고르거나" in nowhere.text and "choose districts" in nowhere.text
    assert 'value="kim@example.org"' in nowhere.text  # what was typed is kept
    bad_mail = client.post("/portal/warnings/subscribe", headers=HTML,
                           data={**base, "address": "not-an-address", "district": "3113011"})  # fmt: skip
    assert bad_mail.status_code == 422 and "not an e-mail address" in bad_mail.text
    far = client.post("/portal/warnings/subscribe", headers=HTML,
                      data={**base, "lon": "127.25", "lat": "37.55", "radius_m": "900000"})  # fmt: skip
    assert far.status_code == 422 and "반경" in far.text
    unknown = client.post("/portal/warnings/subscribe", headers=HTML, data={**base, "district": "4111101"})
    assert unknown.status_code == 422
    stale = client.post("/portal/warnings/subscribe", data={**base, "csrf": "forged", "district": "3113011"},
                        headers=HTML)  # fmt: skip
    assert stale.status_code == 403
    assert count(platform, subscribers) == 0
    wrong = client.post("/portal/warnings/confirm", data={"csrf": csrf, "tenant": "namyangju", "token": "x"},
                        headers=HTML)  # fmt: skip
    assert wrong.status_code == 422 and "코드" in wrong.text


# --- console ----------------------------------------------------------------------------------------------------


def test_console_pages_render_in_both_languages(client: TestClient, town: Town) -> None:
    admin = {**town.tenant.admin, **HTML}
    station_id = town.station["id"]
    pages = {
        "/console/warnings/": ("와부 수위국", "Monitoring stations"),
        f"/console/warnings/stations/{station_id}": ("임계값", "Thresholds"),
        "/console/warnings/alerts": ("새 수동 경보", "New manual warning"),
        "/console/warnings/alerts?show=past": ("지난 경보", "Past warnings"),
        f"/console/warnings/alerts/{town.alert_id}": ("CAP 메시지", "CAP messages"),
        "/console/warnings/alerts/new": ("경보 보내기", "Send the warning"),
        "/console/warnings/shelters": ("와부읍 행정복지센터", "Import shelters"),
    }
    for path, (korean, english) in pages.items():
        page = client.get(path, headers=admin)
        assert page.status_code == 200, (path, page.text[:300])
        assert korean in page.text, path
        assert english in client.get(path, headers={**admin, **EN}).text, path
        assert "수원천" not in page.text, path
    detail = client.get(f"/console/warnings/alerts/{town.alert_id}", headers=admin).text
    assert "urn:oasis:names:tc:emergency:cap:1.2" in detail and "&lt;msgType&gt;Alert&lt;/msgType&gt;" in detail
    suwon_station = client.get("/api/v1/warnings/public/status?tenant=suwon").json()["stations"][0]["id"]
    assert client.get(f"/console/warnings/stations/{suwon_station}", headers=admin).status_code == 404
    # A viewer reads, but sees no handling forms and cannot open the manual warning form.
    viewer = {**town.tenant.headers[Role.VIEWER], **HTML}
    assert client.get("/console/warnings/alerts", headers=viewer).status_code == 200
    assert "/console/warnings/alerts/new" not in client.get("/console/warnings/alerts", headers=viewer).text
    assert client.get("/console/warnings/alerts/new", headers=viewer).status_code == 403
    assert "/cancel" not in client.get(f"/console/warnings/alerts/{town.alert_id}", headers=viewer).text


def test_manual_warning_update_and_all_clear_from_the_console(
    client: TestClient, town: Town, platform: Platform, cap_schema: etree.XMLSchema
) -> None:
    csrf = sign_in(client, "namyangju", Role.OPERATOR)
    before = count(platform, alerts_table)
    form = {"csrf": csrf, "event_ko": "가스 누출", "event_en": "Gas leak", "category": "Safety", "stage": "3",
            "status": "Actual", "district_codes": ["3113012"],
            "polygon": "127.30 37.50\n127.35 37.50\n127.35 37.55", "note_ko": "창문을 닫으십시오",
            "note_en": "Close the windows"}  # fmt: skip
    created = client.post("/console/warnings/alerts", data=form, headers=HTML, follow_redirects=False)
    assert created.status_code == 303, created.text
    assert count(platform, alerts_table) == before + 1
    alert_id = int(created.headers["location"].rsplit("/", 1)[1])
    detail = client.get(f"/api/v1/warnings/alerts/{alert_id}", headers=town.tenant.admin).json()
    assert detail["district_codes"] == ["3113012"] and detail["polygon"]["type"] == "Polygon"
    root = cap_valid(client, detail["messages"][0]["identifier"], cap_schema)
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert root.findtext("cap:msgType", namespaces=ns) == "Alert"
    assert root.findtext("cap:info/cap:severity", namespaces=ns) == "Severe"
    assert "Close the windows" in etree.tostring(root).decode()
    page = client.get(f"/console/warnings/alerts/{alert_id}", headers=HTML).text
    assert "가스 누출" in page and "/cancel" in page

    updated = client.post(f"/console/warnings/alerts/{alert_id}/update", data={"csrf": csrf, "stage": "4"},
                          headers=HTML, follow_redirects=False)  # fmt: skip
    assert updated.status_code == 303
    clear = {"csrf": csrf, "note_en": "Safe again"}
    cleared = client.post(f"/console/warnings/alerts/{alert_id}/cancel", data=clear, headers=HTML,
                          follow_redirects=False)  # fmt: skip
    assert cleared.status_code == 303
    chain = client.get(f"/api/v1/warnings/alerts/{alert_id}", headers=town.tenant.admin).json()
    assert [m["msg_type"] for m in chain["messages"]] == ["Alert", "Update", "Cancel"] and not chain["active"]
    for message in chain["messages"][1:]:
        cap_valid(client, message["identifier"], cap_schema)
    again = client.post(f"/console/warnings/alerts/{alert_id}/cancel", data={"csrf": csrf}, headers=HTML)
    assert again.status_code == 422 and "already cleared" in again.text


def test_bad_manual_warnings_change_nothing(client: TestClient, town: Town, platform: Platform) -> None:
    csrf = sign_in(client, "namyangju", Role.ADMIN)
    before = (count(platform, alerts_table), count(platform, notify_outbox))
    base = {"csrf": csrf, "event_ko": "훈련", "event_en": "Drill", "stage": "2", "status": "Actual"}
    cases = [
        ({**base}, "a warning needs district_codes or a polygon"),
        ({**base, "polygon": "127.3 37.5\n127.4"}, "two numbers 'lon lat' expected"),
        ({**base, "polygon": "127.3 37.5\n127.4 37.5"}, "at least three points"),
        ({**base, "polygon": '{"type": "Point"'}, "GeoJSON cannot be read"),
        ({**base, "district_codes": "9999999"}, "unknown district code"),
        ({**base, "event_en": "", "district_codes": "3113011"}, "event_en"),
        ({**base, "stage": "7", "district_codes": "3113011"}, "stage"),
    ]
    for form, english in cases:
        page = client.post("/console/warnings/alerts", data=form, headers=HTML)
        assert page.status_code == 422, (form, page.text[:300])
        assert english in unescape(page.text), (english, page.text[:2000])
        assert 'lang="ko"' in page.text and 'role="alert"' in page.text
        assert 'value="훈련"' in page.text  # the form comes back as it was typed
    assert (count(platform, alerts_table), count(platform, notify_outbox)) == before
    # Without the CSRF token of the session nothing is sent either.
    forged = client.post("/console/warnings/alerts", data={**base, "csrf": "forged", "district_codes": "3113011"},
                         headers=HTML)  # fmt: skip
    assert forged.status_code == 403
    missing = client.post(f"/console/warnings/alerts/{town.alert_id}/cancel", data={}, headers=HTML)
    assert missing.status_code == 403
    assert (count(platform, alerts_table), count(platform, notify_outbox)) == before


def test_a_viewer_cannot_send_update_clear_or_import(client: TestClient, town: Town, platform: Platform) -> None:
    csrf = sign_in(client, "namyangju", Role.VIEWER)
    before = (count(platform, alerts_table), count(platform, notify_outbox), count(platform, shelters_table))
    sends = [
        ("/console/warnings/alerts", {"event_ko": "x", "event_en": "x", "stage": "1", "district_codes": "3113011"}),
        (f"/console/warnings/alerts/{town.alert_id}/update", {"stage": "4"}),
        (f"/console/warnings/alerts/{town.alert_id}/cancel", {}),
        ("/console/warnings/shelters", {"text": "name,kind,lon,lat\nx,heat,127.2,37.6\n"}),
    ]
    for path, data in sends:
        response = client.post(path, data={**data, "csrf": csrf}, headers=HTML)
        assert response.status_code == 403, (path, response.text[:200])
    after = (count(platform, alerts_table), count(platform, notify_outbox), count(platform, shelters_table))
    assert after == before


def test_shelter_import_reports_every_bad_row_and_keeps_the_old_list(
    client: TestClient, town: Town, platform: Platform
) -> None:
    csrf = sign_in(client, "namyangju", Role.OPERATOR)
    bad = "name,kind,lon,lat,hours\nA,heat,127.2,37.6,24/7\nB,villa,127.2,37.6,24/7\nC,cold,east,37.6,24/7\n"
    refused = client.post("/console/warnings/shelters", headers=HTML, data={"csrf": csrf},
                          files={"file": ("shelters.csv", bad.encode(), "text/csv")})  # fmt: skip
    assert refused.status_code == 422
    assert "line 3" in refused.text and "line 4" in refused.text and "아무것도 가져오지 않았습니다" in refused.text
    assert count(platform, shelters_table) == 2  # the earlier two are still there
    geojson = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", '
               '"coordinates": [127.2, 37.6]}, "properties": {"name": "진접 대피소", "kind": "evacuation", '
               '"hours": "24/7"}}]}')  # fmt: skip
    done = client.post("/console/warnings/shelters", headers=HTML, data={"csrf": csrf},
                       files={"file": ("s.geojson", geojson.encode(), "application/geo+json")})  # fmt: skip
    assert done.status_code == 200 and "진접 대피소" in done.text and 'role="status"' in done.text
    assert count(platform, shelters_table) == 1
    pasted = client.post("/console/warnings/shelters", headers=HTML,
                         data={"csrf": csrf, "text": "name,kind,lon,lat\n쉼터,heat,127.2,37.6\n"})  # fmt: skip
    assert pasted.status_code == 200 and count(platform, shelters_table) == 1
    empty = client.post("/console/warnings/shelters", headers=HTML, data={"csrf": csrf})
    assert empty.status_code == 422 and count(platform, shelters_table) == 1

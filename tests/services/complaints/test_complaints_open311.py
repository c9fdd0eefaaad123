"""Every Open311 endpoint against GeoReport v2 in XML and JSON: every filter, the spec's errors (both stores)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from complaints_support import Town, jpeg_with_exif, ok, report, reported
from fastapi.testclient import TestClient
from lxml import etree

from maeul.platform import clock
from maeul.services.complaints.photos import MAX_BYTES


def xml(response: Any) -> Any:
    assert response.headers["content-type"].startswith("text/xml"), response.headers
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return etree.fromstring(response.content)


def assert_o311_error(response: Any, status: int, fmt: str = "json") -> str:
    assert response.status_code == status, response.text
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == status and " / " in error["description"]
        return str(error["description"])
    root = xml(response)
    assert root.tag == "errors" and root.find("error/code").text == str(status)
    return str(root.find("error/description").text)


def test_discovery(client: TestClient) -> None:
    body = client.get("/open311/v2/discovery.json").json()
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    root = xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format").text == "text/xml"


def test_services_and_definitions(client: TestClient, town: Town) -> None:
    services = client.get(f"/open311/v2/services.json?jurisdiction_id={town.id}").json()
    assert [s["service_code"] for s in services] == ["park_idea", "pothole"]
    pothole = services[1]
    assert pothole == {"service_code": "pothole", "service_name": "도로 파손", "description": "Pothole",
                       "metadata": True, "type": "realtime", "keywords": "도로,포트홀", "group": "road"}  # fmt: skip
    root = xml(client.get(f"/open311/v2/services.xml?jurisdiction_id={town.id}"))
    assert root.tag == "services" and len(root.findall("service")) == 2
    definition = client.get(f"/open311/v2/services/pothole.json?jurisdiction_id={town.id}").json()
    assert definition["service_code"] == "pothole"
    size = definition["attributes"][0]
    assert size["code"] == "size" and size["datatype"] == "singlevaluelist" and size["required"] is True
    assert size["values"] == [{"key": "small", "name": "작음"}, {"key": "large", "name": "큼"}]
    root = xml(client.get(f"/open311/v2/services/pothole.xml?jurisdiction_id={town.id}"))
    assert root.tag == "service_definition" and len(root.findall("attributes/attribute")) == 3
    assert_o311_error(client.get(f"/open311/v2/services/nothing.json?jurisdiction_id={town.id}"), 404)
    assert_o311_error(client.get(f"/open311/v2/services/nothing.xml?jurisdiction_id={town.id}"), 404, "xml")


def test_jurisdiction_rules(client: TestClient, make_town: Callable[[str], Town]) -> None:
    a = make_town("namyangju")
    # one tenant: jurisdiction_id may be left out
    assert client.get("/open311/v2/services.json").status_code == 200
    make_town("suwon")
    assert "jurisdiction_id" in assert_o311_error(client.get("/open311/v2/services.json"), 400)
    assert_o311_error(client.get("/open311/v2/services.xml?jurisdiction_id=nowhere"), 404, "xml")
    # a configured jurisdiction_id replaces the tenant id
    ok(client.put("/api/v1/complaints/settings", json={"jurisdiction_id": "nyj.go.kr"}, headers=a.admin), 200)
    assert client.get("/open311/v2/services.json?jurisdiction_id=nyj.go.kr").status_code == 200
    assert_o311_error(client.get("/open311/v2/services.json?jurisdiction_id=namyangju"), 404)
    taken = client.put("/api/v1/complaints/settings", json={"jurisdiction_id": "suwon"}, headers=a.admin)
    assert taken.status_code == 409


def test_post_a_request_in_both_formats(client: TestClient, town: Town) -> None:
    response = report(client, town, email="citizen@example.kr", first_name="길동", phone="010-0000-0000")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    [created] = response.json()
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    response = report(client, town, fmt="xml", lat=None, long=None, address_string="화도읍 마석우리 1")
    root = xml(response)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text
    token = root.find("request/token").text
    found = client.get(f"/open311/v2/tokens/{token}.json?jurisdiction_id={town.id}").json()
    assert found == [{"service_request_id": root.find("request/service_request_id").text, "token": token}]
    assert xml(client.get(f"/open311/v2/tokens/{token}.xml?jurisdiction_id={town.id}")).find("request/token").text
    assert_o311_error(client.get(f"/open311/v2/tokens/nope.json?jurisdiction_id={town.id}"), 404)
    # the reporter's name and contact are never published
    listing = client.get(f"/open311/v2/requests.json?jurisdiction_id={town.id}").text
    assert "길동" not in listing and "citizen@example.kr" not in listing and "010-0000-0000" not in listing


def test_api_key_in_the_query_string_and_its_errors(client: TestClient, make_town: Callable[[str], Town]) -> None:
    a, b = make_town("namyangju"), make_town("suwon")
    form = {"service_code": "pothole", "lat": "37.6", "long": "127.2", "attribute[size]": "small"}
    response = client.post(f"/open311/v2/requests.json?api_key={a.key}&jurisdiction_id={a.id}", data=form)
    assert response.status_code == 200, response.text
    # the key alone names its tenant
    assert client.post(f"/open311/v2/requests.json?api_key={a.key}", data=form).status_code == 200
    assert_o311_error(client.post(f"/open311/v2/requests.json?jurisdiction_id={a.id}", data=form), 403)
    assert_o311_error(client.post("/open311/v2/requests.xml", data={**form, "api_key": "wrong"}), 403, "xml")
    # B's key cannot post into A
    assert_o311_error(client.post(f"/open311/v2/requests.json?jurisdiction_id={a.id}&api_key={b.key}", data=form), 403)
    keys = ok(client.get("/api/v1/complaints/keys", headers=a.admin), 200)
    assert client.delete(f"/api/v1/complaints/keys/{keys[0]['id']}", headers=a.admin).status_code == 204
    assert_o311_error(client.post(f"/open311/v2/requests.json?api_key={a.key}", data=form), 403)


@pytest.mark.parametrize(
    ("fields", "status", "named"),
    [
        ({"service_code": "nothing"}, 404, "service_code"),
        ({"service_code": None}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"attribute[size]": None}, 400, "attribute[size]"),
        ({"attribute[size]": "huge"}, 400, "attribute[size]"),
        ({"attribute[depth_cm]": "deep"}, 400, "number"),
        ({"lat": "100"}, 400, "lat"),
    ],
)
def test_post_errors(client: TestClient, town: Town, fields: dict[str, Any], status: int, named: str) -> None:
    description = assert_o311_error(report(client, town, **fields), status)
    assert named in description
    assert client.get(f"/open311/v2/requests.json?jurisdiction_id={town.id}").json() == []  # nothing stored


def test_multivalue_attributes_and_multipart_media(client: TestClient, town: Town) -> None:
    form = {"jurisdiction_id": town.id, "api_key": town.key, "service_code": "pothole", "lat": "37.6",
            "long": "127.2", "attribute[size]": "small", "attribute[hazards][]": ["bike", "car"]}  # fmt: skip
    response = client.post("/open311/v2/requests.json", data=form, files={"media": ("p.jpg", jpeg_with_exif())})
    assert response.status_code == 200, response.text
    request_id = response.json()[0]["service_request_id"]
    [shown] = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id={town.id}").json()
    assert shown["media_url"].startswith("http://testserver/open311/v2/media/")
    photo = client.get(shown["media_url"].removeprefix("http://testserver"))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert b"SecretCam" not in photo.content and b"Exif" not in photo.content
    detail = ok(client.get(f"/api/v1/complaints/requests/{request_id}", headers=town.admin), 200)
    assert detail["attributes"] == {"size": "small", "hazards": ["bike", "car"]}
    bad = client.post("/open311/v2/requests.json", data=form, files={"media": ("p.jpg", b"GIF89a-not-really")})
    assert "media" in assert_o311_error(bad, 400)
    big = client.post("/open311/v2/requests.json", data=form, files={"media": ("big.jpg", b"0" * (MAX_BYTES + 1))})
    assert "10 MB" in assert_o311_error(big, 400)
    assert len(client.get(f"/open311/v2/requests.json?jurisdiction_id={town.id}").json()) == 1  # nothing more stored


def test_get_requests_filters(client: TestClient, town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    day = 86_400_000
    t0 = 1_795_000_000_000  # 2026-11-18T11:06:40Z
    ids = []
    for i in range(4):
        monkeypatch.setattr(clock, "now_ms", lambda i=i: t0 + i * day)
        code = "pothole" if i < 3 else "park_idea"
        ids.append(reported(client, town, service_code=code, **({"attribute[size]": None} if i == 3 else {})))
    monkeypatch.setattr(clock, "now_ms", lambda: t0 + 5 * day)
    ok(client.post(f"/api/v1/complaints/requests/{ids[0]}/answer", json={"text": "보수 완료"}, headers=town.admin), 200)

    def listed(query: str, fmt: str = "json") -> list[str]:
        response = client.get(f"/open311/v2/requests.{fmt}?jurisdiction_id={town.id}&{query}")
        assert response.status_code == 200, response.text
        if fmt == "xml":
            return [e.text for e in xml(response).findall("request/service_request_id")]
        return [r["service_request_id"] for r in response.json()]

    s = [str(i) for i in ids]
    assert listed("") == s[::-1]  # newest first, the last 90 days
    assert listed("", "xml") == s[::-1]
    assert listed("service_code=park_idea") == [s[3]]
    assert listed("service_code=park_idea,pothole") == s[::-1]
    assert listed("status=closed") == [s[0]] and listed("status=open", "xml") == s[:0:-1]
    assert listed("start_date=2026-11-19T00:00:00Z&end_date=2026-11-20T23:00:00%2B09:00") == [s[2], s[1]]
    assert listed("start_date=2026-11-19T20:06:40 09:00") == [s[3], s[2], s[1]]  # "+" sent unencoded
    assert listed("updated_after=2026-11-23T00:00:00Z") == [s[0]]
    assert listed("updated_before=2026-11-20T00:00:00Z") == [s[1]]
    assert listed(f"service_request_id={s[2]},{s[0]}&status=open") == [s[0], s[2]]  # ids override the filters
    assert listed("page_size=3") == s[:0:-1] and listed("page_size=3&page=2") == [s[0]]
    assert listed("page=3&page_size=3") == []
    # 100 days later the default window no longer holds them
    monkeypatch.setattr(clock, "now_ms", lambda: t0 + 100 * day)
    assert listed("") == [] and listed("start_date=2026-11-01T00:00:00Z") == s[::-1]
    assert_o311_error(client.get(f"/open311/v2/requests.json?jurisdiction_id={town.id}&status=done"), 400)
    assert_o311_error(client.get(f"/open311/v2/requests.xml?jurisdiction_id={town.id}&start_date=today"), 400, "xml")


def test_single_request_fields(client: TestClient, town: Town) -> None:
    request_id = reported(client, town, address_string="화도읍 1", zipcode="12100", address_id="A-1")
    [one] = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id={town.id}").json()
    assert list(one) == ["service_request_id", "status", "status_notes", "service_name", "service_code",
                         "description", "agency_responsible", "service_notice", "requested_datetime",
                         "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                         "long", "media_url"]  # fmt: skip
    assert one["status"] == "open" and one["agency_responsible"] == "namyangju-도로과"
    assert one["requested_datetime"].endswith("+09:00") and one["zipcode"] == "12100"
    root = xml(client.get(f"/open311/v2/requests/{request_id}.xml?jurisdiction_id={town.id}"))
    assert root.find("request/lat").text == "37.63" and root.find("request/long").text == "127.21"
    assert_o311_error(client.get(f"/open311/v2/requests/999999.json?jurisdiction_id={town.id}"), 404)
    assert_o311_error(client.get(f"/open311/v2/requests/abc.xml?jurisdiction_id={town.id}"), 404, "xml")
    assert_o311_error(client.get(f"/open311/v2/requests/{request_id}.html?jurisdiction_id={town.id}"), 404, "xml")


def test_service_request_updates(client: TestClient, town: Town) -> None:
    request_id = reported(client, town)
    path = f"/api/v1/complaints/requests/{request_id}"
    ok(client.post(f"{path}/status", json={"status": "in_progress"}, headers=town.admin), 200)
    ok(client.post(f"{path}/answer", json={"text": "보수했습니다"}, headers=town.admin), 200)
    updates = client.get(f"/open311/v2/servicerequestupdates.json?jurisdiction_id={town.id}").json()
    assert [(u["status"], u["extended_status"]) for u in updates] == [
        ("open", "received"), ("open", "in_progress"), ("closed", "resolved")]  # fmt: skip
    assert updates[-1]["description"] == "보수했습니다" and updates[-1]["service_request_id"] == str(request_id)
    root = xml(client.get(f"/open311/v2/servicerequestupdates.xml?jurisdiction_id={town.id}"))
    assert root.tag == "service_requests_updates" and len(root.findall("request_update")) == 3
    assert (
        client.get(
            f"/open311/v2/servicerequestupdates.json?jurisdiction_id={town.id}&start_date=2999-01-01T00:00:00Z"
        ).json()
        == []
    )


def test_one_tenant_never_sees_another(client: TestClient, make_town: Callable[[str], Town]) -> None:
    a, b = make_town("namyangju"), make_town("suwon")
    b_id = reported(client, b, description="Bsecret 민원")
    a_id = reported(client, a)
    listed = client.get(f"/open311/v2/requests.json?jurisdiction_id={a.id}").json()
    assert [r["service_request_id"] for r in listed] == [str(a_id)]
    assert_o311_error(client.get(f"/open311/v2/requests/{b_id}.json?jurisdiction_id={a.id}"), 404)
    by_id = client.get(f"/open311/v2/requests.json?jurisdiction_id={a.id}&service_request_id={b_id}").json()
    assert by_id == []
    assert "Bsecret" not in client.get(f"/open311/v2/servicerequestupdates.json?jurisdiction_id={a.id}").text
    assert client.get(f"/api/v1/complaints/requests/{b_id}", headers=a.admin).status_code == 404


def test_post_service_request_updates(client: TestClient, town: Town) -> None:
    request_id = reported(client, town)
    form = {"jurisdiction_id": town.id, "api_key": town.key, "service_request_id": str(request_id),
            "description": "아직 그대로입니다", "update_id": "app-1"}  # fmt: skip
    response = client.post("/open311/v2/servicerequestupdates.json", data=form)
    assert response.status_code == 200, response.text
    [created] = response.json()
    updates = client.get(f"/open311/v2/servicerequestupdates.json?jurisdiction_id={town.id}").json()
    assert updates[-1]["update_id"] == created["update_id"] and updates[-1]["description"] == "아직 그대로입니다"
    ok(client.post(f"/api/v1/complaints/requests/{request_id}/answer", json={"text": "완료"}, headers=town.admin), 200)
    root = xml(client.post("/open311/v2/servicerequestupdates.xml", data={**form, "status": "open"}))
    assert root.tag == "service_request_updates" and root.find("request_update/update_id").text
    detail = ok(client.get(f"/api/v1/complaints/requests/{request_id}", headers=town.admin), 200)
    assert detail["status"] == "accepted" and detail["events"][-1]["kind"] == "reopen"
    assert_o311_error(client.post("/open311/v2/servicerequestupdates.json", data={**form, "api_key": "x"}), 403)
    assert_o311_error(client.post("/open311/v2/servicerequestupdates.json", data={**form, "description": ""}), 400)
    missing = {**form, "service_request_id": "999999"}
    assert_o311_error(client.post("/open311/v2/servicerequestupdates.xml", data=missing), 404, "xml")

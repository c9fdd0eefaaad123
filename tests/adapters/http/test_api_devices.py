"""Device profiles, devices, their credentials and CSV import through the REST API (both stores)."""

from __future__ import annotations

from typing import Any

from api_support import SENSOR_KEYS, assert_error, ingest
from fastapi.testclient import TestClient

from maeul.core.roles import Role

TENANT = "namyangju"


def make_profile(client: TestClient, admin: dict, name: str = "care-room", **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/profiles", json={"name": name, "keys": SENSOR_KEYS, **extra}, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_device(client: TestClient, admin: dict, name: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/devices", json={"name": name, **extra}, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def device_names(client: TestClient, admin: dict) -> list[str]:
    return [d["name"] for d in client.get("/api/v1/devices?limit=10000", headers=admin).json()]


def import_csv(client: TestClient, admin: dict, body: bytes | str) -> Any:
    content = body.encode() if isinstance(body, str) else body
    return client.post("/api/v1/devices/import", content=content, headers={**admin, "Content-Type": "text/csv"})


# --- profiles -------------------------------------------------------------------------------------------


def test_profile_lifecycle(client: TestClient, tenant: Any, admin: dict) -> None:
    profile = make_profile(client, admin, description="돌봄 가구 센서", retention_days=30)
    assert profile["tenant_id"] == TENANT and profile["name"] == "care-room"
    assert profile["retention_days"] == 30 and profile["accept_any_numeric"] is False
    assert [k["key"] for k in profile["keys"]] == ["temperature", "motion", "status"]
    assert profile["keys"][0] == {"key": "temperature", "type": "number", "unit": "°C", "min": -40.0, "max": 80.0}
    assert client.get(f"/api/v1/profiles/{profile['id']}", headers=tenant.headers[Role.VIEWER]).json() == profile
    assert profile in client.get("/api/v1/profiles", headers=admin).json()

    changed = client.patch(
        f"/api/v1/profiles/{profile['id']}",
        json={"name": "care-room-v2", "keys": [{"key": "co2", "unit": "ppm", "min": 0}], "accept_any_numeric": True},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        **profile,
        "name": "care-room-v2",
        "keys": [{"key": "co2", "type": "number", "unit": "ppm", "min": 0.0}],
        "accept_any_numeric": True,
    }
    assert client.patch(f"/api/v1/profiles/{profile['id']}", json={}, headers=admin).json() == changed.json()
    assert client.delete(f"/api/v1/profiles/{profile['id']}", headers=admin).status_code == 204
    assert_error(client.get(f"/api/v1/profiles/{profile['id']}", headers=admin), 404, "not_found")
    assert_error(client.delete(f"/api/v1/profiles/{profile['id']}", headers=admin), 404, "not_found")


BAD_PROFILES = [
    {"name": ""},
    {"name": "p", "keys": [{"key": "a"}, {"key": "a"}]},
    {"name": "p", "keys": [{"key": "has space"}]},
    {"name": "p", "keys": [{"key": ""}]},
    {"name": "p", "keys": [{"key": "t", "type": "integer"}]},
    {"name": "p", "keys": [{"key": "t", "min": 10, "max": 1}]},
    {"name": "p", "keys": [{"key": "t", "minimum": 1}]},
    {"name": "p", "retention_days": 0},
    {"name": "p", "keys": "temperature"},
    {"name": "p", "colour": "red"},
]


def test_profile_bad_input_is_422_and_changes_nothing(client: TestClient, admin: dict) -> None:
    existing = make_profile(client, admin)
    before = client.get("/api/v1/profiles", headers=admin).json()
    for body in BAD_PROFILES:
        error = assert_error(client.post("/api/v1/profiles", json=body, headers=admin), 422, "validation_error")
        assert error["details"], body
    for body in [b for b in BAD_PROFILES if b.get("name")] + [{"name": None}, {"accept_any_numeric": None}]:
        patch = {k: v for k, v in body.items() if k != "name"} or body
        response = client.patch(f"/api/v1/profiles/{existing['id']}", json=patch, headers=admin)
        assert_error(response, 422, "validation_error")
    error = assert_error(client.post("/api/v1/profiles", json={"name": "care-room"}, headers=admin), 409, "conflict")
    assert "care-room" in error["message"]
    other = make_profile(client, admin, name="other")
    assert_error(client.patch(f"/api/v1/profiles/{other['id']}", json={"name": "care-room"}, headers=admin), 409)
    after = client.get("/api/v1/profiles", headers=admin).json()
    assert [p for p in after if p["id"] != other["id"]] == before


def test_profile_in_use_cannot_be_deleted(client: TestClient, admin: dict) -> None:
    profile = make_profile(client, admin)
    make_device(client, admin, "sensor-1", profile=profile["id"])
    error = assert_error(client.delete(f"/api/v1/profiles/{profile['id']}", headers=admin), 409, "conflict")
    assert "1 device" in error["message"]
    assert client.get(f"/api/v1/profiles/{profile['id']}", headers=admin).status_code == 200


def test_profile_change_applies_to_the_next_message(client: TestClient, admin: dict) -> None:
    profile = make_profile(client, admin)
    device = make_device(client, admin, "sensor-1", profile="care-room")
    assert ingest(client, device["token"], {"co2": 410}).status_code == 422
    client.patch(f"/api/v1/profiles/{profile['id']}", json={"keys": [{"key": "co2"}]}, headers=admin)
    assert ingest(client, device["token"], {"co2": 410}).json() == {"accepted": 1, "rejected": []}
    assert ingest(client, device["token"], {"temperature": 21}).status_code == 422


# --- devices --------------------------------------------------------------------------------------------


def test_device_lifecycle(client: TestClient, tenant: Any, admin: dict) -> None:
    profile = make_profile(client, admin)
    device = make_device(
        client,
        admin,
        "hwado-home-07",
        profile="care-room",
        lon=127.2,
        lat=37.65,
        district_code="3113025",
        attributes={"household": "H-07", "floor": 2},
    )
    assert device["profile_id"] == profile["id"] and device["tenant_id"] == TENANT
    assert device["token"].startswith("mau_dev_") and device["token"].startswith(device["token_prefix"])
    assert device["topic"] == f"maeul/{TENANT}/{device['id']}/telemetry"
    assert device["mqtt_username"] == f"{TENANT}/{device['id']}"
    public = {k: v for k, v in device.items() if k not in ("token", "topic", "mqtt_username")}
    fetched = client.get(f"/api/v1/devices/{device['id']}", headers=tenant.headers[Role.VIEWER])
    assert fetched.json() == public
    assert (
        device["token"] not in fetched.text and device["token"] not in client.get("/api/v1/devices", headers=admin).text
    )

    generic = make_device(client, admin, "plain")
    generic_profile = client.get(f"/api/v1/profiles/{generic['profile_id']}", headers=admin).json()
    assert generic_profile["name"] == "generic" and generic_profile["accept_any_numeric"] is True
    by_id = make_device(client, admin, "by-id", profile=profile["id"], gateway_id=device["id"])
    assert by_id["profile_id"] == profile["id"] and by_id["gateway_id"] == device["id"]

    changed = client.patch(
        f"/api/v1/devices/{device['id']}",
        json={"name": "hwado-home-07b", "attributes": {"household": "H-07"}, "lon": None, "lat": None},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "hwado-home-07b" and body["attributes"] == {"household": "H-07"}
    assert body["lon"] is None and body["updated_at"] >= device["updated_at"]
    assert (
        client.patch(f"/api/v1/devices/{device['id']}", json={"profile": None}, headers=admin).json()["profile_id"]
        == generic["profile_id"]
    )

    assert client.delete(f"/api/v1/devices/{device['id']}", headers=admin).status_code == 204
    assert_error(client.get(f"/api/v1/devices/{device['id']}", headers=admin), 404, "not_found")
    assert_error(ingest(client, device["token"], {"temperature": 20}), 401, "unauthorized")
    # The device it was the gateway of stays, without a gateway.
    assert client.get(f"/api/v1/devices/{by_id['id']}", headers=admin).json()["gateway_id"] is None


def test_device_list_filters_and_pages(client: TestClient, admin: dict) -> None:
    profile = make_profile(client, admin)
    made = [
        make_device(
            client, admin, f"d{i:02d}", district_code="A" if i % 2 else "B", profile=profile["id"] if i < 3 else None
        )
        for i in range(7)
    ]
    ids = [d["id"] for d in made]
    assert [d["id"] for d in client.get("/api/v1/devices", headers=admin).json()] == ids
    assert [d["id"] for d in client.get("/api/v1/devices?district_code=A", headers=admin).json()] == ids[1::2]
    assert [d["id"] for d in client.get(f"/api/v1/devices?profile_id={profile['id']}", headers=admin).json()] == ids[:3]
    pages = [client.get(f"/api/v1/devices?limit=3&offset={o}", headers=admin).json() for o in (0, 3, 6, 9)]
    assert [d["id"] for page in pages for d in page] == ids and pages[-1] == []
    for query in ("limit=0", "limit=10001", "offset=-1", "profile_id=abc", f"offset={2**40}"):
        assert_error(client.get(f"/api/v1/devices?{query}", headers=admin), 422, "validation_error")


def test_device_bad_input_is_refused_and_changes_nothing(client: TestClient, admin: dict) -> None:
    make_profile(client, admin)
    gateway = make_device(client, admin, "gateway")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"name": ""}, 422, "validation_error"),
        ({"name": "x" * 201}, 422, "validation_error"),
        ({"name": "x", "lon": 127.0}, 422, "invalid"),
        ({"name": "x", "lon": 181, "lat": 37}, 422, "validation_error"),
        ({"name": "x", "lon": 127, "lat": -91}, 422, "validation_error"),
        ({"name": "x", "profile": "no-such-profile"}, 404, "not_found"),
        ({"name": "x", "profile": 999999}, 404, "not_found"),
        ({"name": "x", "profile": 2**40}, 422, "validation_error"),
        ({"name": "x", "gateway_id": 999999}, 422, "invalid"),
        ({"name": "x", "district_code": "1" * 21}, 422, "validation_error"),
        ({"name": "x", "attributes": ["not", "an", "object"]}, 422, "validation_error"),
        ({"name": "x", "token": "mine"}, 422, "validation_error"),
        ({"name": "gateway"}, 409, "conflict"),
    ]
    before = client.get("/api/v1/devices", headers=admin).json()
    for body, status, code in cases:
        error = assert_error(client.post("/api/v1/devices", json=body, headers=admin), status, code)
        if code == "invalid" and "gateway_id" in body:
            assert "999999" in error["message"]
    patches: list[tuple[dict[str, Any], int, str]] = [
        ({"name": None}, 422, "validation_error"),
        ({"attributes": None}, 422, "validation_error"),
        ({"lat": 10.0}, 422, "invalid"),
        ({"gateway_id": gateway["id"]}, 422, "invalid"),
        ({"profile": "no-such-profile"}, 404, "not_found"),
    ]
    for body, status, code in patches:
        assert_error(client.patch(f"/api/v1/devices/{gateway['id']}", json=body, headers=admin), status, code)
    assert client.get("/api/v1/devices", headers=admin).json() == before
    assert client.get(f"/api/v1/devices/{gateway['id']}", headers=admin).status_code == 200
    for path in ("/api/v1/devices/999999", "/api/v1/devices/999999/rotate-token"):
        method = "POST" if path.endswith("token") else "GET"
        assert_error(client.request(method, path, headers=admin), 404, "not_found")
    assert_error(client.delete("/api/v1/devices/999999", headers=admin), 404, "not_found")
    assert_error(client.get("/api/v1/devices/not-a-number", headers=admin), 422, "validation_error")


def test_rotating_the_token_stops_the_old_one_at_once(client: TestClient, admin: dict) -> None:
    device = make_device(client, admin, "sensor")
    old = device["token"]
    assert ingest(client, old, {"temperature": 20}).status_code == 200  # the old token is now cached
    rotated = client.post(f"/api/v1/devices/{device['id']}/rotate-token", headers=admin)
    assert rotated.status_code == 200, rotated.text
    creds = rotated.json()
    assert creds["id"] == device["id"] and creds["token"] != old and creds["token"].startswith("mau_dev_")
    assert creds["topic"] == device["topic"] and creds["mqtt_username"] == device["mqtt_username"]
    assert_error(ingest(client, old, {"temperature": 21}), 401, "unauthorized")
    assert ingest(client, creds["token"], {"temperature": 22}).json() == {"accepted": 1, "rejected": []}
    fetched = client.get(f"/api/v1/devices/{device['id']}", headers=admin).json()
    assert fetched["token_prefix"] == creds["token"][: len(fetched["token_prefix"])]
    latest = client.get(f"/api/v1/devices/{device['id']}/latest", headers=admin).json()
    assert latest["values"]["temperature"]["value"] == 22.0


# --- CSV import ------------------------------------------------------------------------------------------


def test_import_of_a_good_file_creates_every_device(client: TestClient, admin: dict) -> None:
    make_profile(client, admin)
    existing = make_device(client, admin, "existing-gateway")
    text = (
        "\ufeffname,profile,lon,lat,district_code,gateway,attr.household,attr.floor\n"
        "gw-01,,127.21,37.64,3113025,,,\n"
        "room-01,care-room,127.2101,37.6401,3113025,gw-01,H-01,1\n"
        "room-02,care-room,,,3113025,existing-gateway,H-02,\n"
        "\n"
        "  room-03 ,care-room,127.3,37.7,,gw-01,,3\n"
    )
    response = import_csv(client, admin, text)
    assert response.status_code == 201, response.text
    created = response.json()["created"]
    assert len(created) == 4 and all(c["token"].startswith("mau_dev_") for c in created)
    devices = {d["name"]: d for d in client.get("/api/v1/devices", headers=admin).json()}
    assert set(devices) == {"existing-gateway", "gw-01", "room-01", "room-02", "room-03"}
    assert devices["room-01"]["gateway_id"] == devices["gw-01"]["id"]
    assert devices["room-02"]["gateway_id"] == existing["id"]
    assert devices["room-03"]["gateway_id"] == devices["gw-01"]["id"]
    assert devices["room-01"]["attributes"] == {"household": "H-01", "floor": "1"}
    assert devices["room-02"]["attributes"] == {"household": "H-02"}
    assert devices["room-01"]["lon"] == 127.2101 and devices["room-02"]["lon"] is None
    assert devices["gw-01"]["district_code"] == "3113025" and devices["room-03"]["district_code"] is None
    # Every returned token works for its device.
    for creds in created:
        assert ingest(client, creds["token"], {"temperature": 20}).status_code == 200
        assert creds["topic"] == f"maeul/{TENANT}/{creds['id']}/telemetry"


def test_import_reports_every_bad_row_and_imports_nothing(client: TestClient, admin: dict) -> None:
    make_profile(client, admin)
    make_device(client, admin, "already-here")
    text = (
        "name,profile,lon,lat,gateway\n"  # line 1
        "ok-1,care-room,127.1,37.5,\n"  # line 2: fine
        "bad-profile,no-such,127.1,37.5,\n"  # line 3
        "ok-2,,,,\n"  # line 4: fine
        "half-coords,,127.1,,\n"  # line 5
        "bad-lat,,127.1,95,\n"  # line 6
        "already-here,,,,\n"  # line 7
        "ok-1,,,,\n"  # line 8: duplicate of line 2
        "too,many,fields,1,2,3\n"  # line 9
        ",,,,\n"  # line 10: blank, skipped
        ",care-room,,,\n"  # line 11: no name
        "orphan,,,,ghost\n"  # line 12
        "lon-text,,east,37,\n"  # line 13
    )
    before = device_names(client, admin)
    response = import_csv(client, admin, text)
    error = assert_error(response, 422, "invalid_rows")
    lines = sorted({d["line"] for d in error["details"]})
    assert lines == [3, 5, 6, 7, 8, 9, 11, 12, 13], error["details"]
    messages = {d["line"]: d["message"] for d in error["details"]}
    assert "no-such" in messages[3] and "lon and lat" in messages[5] and "lat" in messages[6]
    assert "already exists" in messages[7] and "line 2" in messages[8] and "fields" in messages[9]
    assert "name" in messages[11] and "ghost" in messages[12] and "east" in messages[13]
    assert error["message"].startswith("9 problem(s)") and "nothing was imported" in error["message"]
    assert device_names(client, admin) == before


def test_import_rejects_unusable_files(client: TestClient, admin: dict) -> None:
    before = device_names(client, admin)
    error = assert_error(import_csv(client, admin, "name,district_code\n안녕,1\n".encode("euc-kr")), 422, "invalid")
    assert "UTF-8" in error["message"]
    for text, fragment in [
        ("", "empty"),
        ("name\n", "no devices"),
        ("label,lon\nx,1\n", "'name'"),
        ("name,colour\nx,red\n", "colour"),
        ("name,name\nx,y\n", "twice"),
    ]:
        error = assert_error(import_csv(client, admin, text), 422, "invalid_rows")
        assert error["details"][0]["line"] == 1 and fragment in error["details"][0]["message"], (text, error)
    for text in ("name\nroom\r7\n", "name\n" + "x" * 200_000 + "\n"):  # not CSV the csv module can read
        error = assert_error(import_csv(client, admin, text), 422, "invalid_rows")
        assert error["details"][0]["line"] == 2 and "unreadable CSV" in error["details"][0]["message"], error
    assert device_names(client, admin) == before


def test_import_of_a_self_gateway_and_a_gateway_cycle(client: TestClient, admin: dict) -> None:
    error = assert_error(import_csv(client, admin, "name,gateway\nloop,loop\n"), 422, "invalid_rows")
    assert error["details"] == [{"line": 2, "message": "a device cannot be its own gateway"}]
    assert device_names(client, admin) == []


def test_operator_may_manage_devices_but_viewer_may_not(client: TestClient, tenant: Any) -> None:
    operator, viewer = tenant.headers[Role.OPERATOR], tenant.headers[Role.VIEWER]
    device = make_device(client, operator, "by-operator")
    assert import_csv(client, operator, "name\nimported\n").status_code == 201
    assert_error(import_csv(client, viewer, "name\nnope\n"), 403, "forbidden")
    assert_error(client.post(f"/api/v1/devices/{device['id']}/rotate-token", headers=viewer), 403)
    assert ingest(client, device["token"], {"x": 1}).status_code == 200
    assert client.get("/api/v1/devices", headers=viewer).status_code == 200
    assert sorted(device_names(client, viewer)) == ["by-operator", "imported"]

"""HTTP telemetry ingestion: every payload form, profile validation, dead letters, duplicates (both stores)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from api_support import DAY, MINUTE, SENSOR_KEYS, T0, assert_error, bearer, ingest, raw_count
from fastapi.testclient import TestClient

from maeul.platform.app import Platform


@pytest.fixture
def sensor(client: TestClient, admin: dict) -> dict[str, Any]:
    """A device whose profile declares temperature (-40..80), motion (boolean) and status (text)."""
    response = client.post("/api/v1/profiles", json={"name": "care-room", "keys": SENSOR_KEYS}, headers=admin)
    assert response.status_code == 201, response.text
    response = client.post("/api/v1/devices", json={"name": "room-1", "profile": "care-room"}, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def raw(client: TestClient, admin: dict, device_id: int, keys: str = "temperature,motion,status") -> dict[str, list]:
    response = client.get(
        f"/api/v1/devices/{device_id}/telemetry?keys={keys}&start={T0 - DAY}&end={int(time.time() * 1000) + DAY}",
        headers=admin,
    )
    assert response.status_code == 200, response.text
    return {k: [(p["ts"], p["value"]) for p in points] for k, points in response.json()["data"].items()}


def dead_letters(client: TestClient, admin: dict, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/dead-letters?{query}", headers=admin)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_every_payload_form_is_stored(client: TestClient, admin: dict, sensor: dict) -> None:
    token = sensor["token"]
    before = int(time.time() * 1000)
    assert ingest(client, token, {"temperature": 21.5, "motion": True, "status": "재실"}).json() == {
        "accepted": 3,
        "rejected": [],
    }
    after = int(time.time() * 1000)
    assert ingest(client, token, {"ts": T0, "values": {"temperature": 19, "motion": False}}).json()["accepted"] == 2
    batch = [
        {"ts": T0 + MINUTE, "values": {"temperature": -3.25, "status": "외출"}},
        {"ts": T0 + 2 * MINUTE, "values": {"motion": 1}},
        {"values": {"temperature": 0}},  # "values" without "ts": the time of receipt
    ]
    assert ingest(client, token, batch).json() == {"accepted": 4, "rejected": []}
    assert ingest(client, token, '{"ts": 1795000000000.0, "values": {"motion": 0}}').status_code == 200
    # Text only: nothing to roll up.
    assert ingest(client, token, {"ts": T0 + 3 * MINUTE, "values": {"status": "귀가"}}).json()["accepted"] == 1

    data = raw(client, admin, sensor["id"])
    now_readings = [ts for ts, _ in data["temperature"] if ts > T0 + DAY]
    assert len(now_readings) == 2 and all(before <= ts <= int(time.time() * 1000) for ts in now_readings)
    assert [v for ts, v in data["temperature"] if ts <= T0 + DAY] == [19.0, -3.25]
    assert [(ts, v) for ts, v in data["motion"] if ts <= T0 + DAY] == [(T0, 0.0), (T0 + 2 * MINUTE, 1.0)]
    assert [v for ts, v in data["motion"] if ts > T0 + DAY] == [1.0]
    assert [v for _, v in data["status"]] == ["외출", "귀가", "재실"]
    assert before <= data["status"][2][0] <= after
    assert dead_letters(client, admin) == []


def test_profile_violations_are_422_with_reasons_and_dead_letters(
    client: TestClient, admin: dict, sensor: dict, platform: Platform
) -> None:
    cases = [
        ({"humidity": 40}, "humidity: not a key of this device's profile (allowed: motion, status, temperature)"),
        ({"temperature": 80.5}, "temperature: 80.5 is above the maximum 80"),
        ({"temperature": -41}, "temperature: -41 is below the minimum -40"),
        ({"temperature": "hot"}, "temperature: expected a number, got text"),
        ({"motion": 2}, "motion: expected true/false or 1/0, got 2"),
        ({"motion": "yes"}, "motion: expected a boolean, got text"),
        ({"status": 3}, "status: expected text"),
        ({"status": True}, "status: expected text"),
        ({"temperature": None}, "temperature: unsupported value of type null"),
        ({"temperature": [1, 2]}, "temperature: unsupported value of type list"),
        ({"bad key!": 1}, "invalid key 'bad key!'"),
        ({"status": "x" * 1001}, "status: text longer than 1000 characters"),
    ]
    for payload, reason in cases:
        response = ingest(client, sensor["token"], payload)
        error = assert_error(response, 422, "rejected")
        assert error["details"] == [error["message"]] and reason in error["message"], (payload, error)
    assert raw_count(platform, sensor["id"]) == 0
    letters = dead_letters(client, admin)
    assert len(letters) == len(cases)
    for letter, (payload, reason) in zip(reversed(letters), cases, strict=True):  # newest first
        assert letter["device_id"] == sensor["id"] and letter["source"] == "http"
        assert reason in letter["reason"]
        assert letter["payload"] is not None and json.loads(letter["payload"]) == payload


def test_a_partly_valid_message_stores_the_valid_readings(client: TestClient, admin: dict, sensor: dict) -> None:
    payload = [
        {"ts": T0, "values": {"temperature": 20.5, "humidity": 40, "status": 7}},
        {"ts": T0 + MINUTE, "values": {"temperature": 200, "motion": True}},
    ]
    response = ingest(client, sensor["token"], payload)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 2
    assert body["rejected"] == [
        "humidity: not a key of this device's profile (allowed: motion, status, temperature)",
        "status: expected text",
        "temperature: 200 is above the maximum 80",
    ]
    assert raw(client, admin, sensor["id"]) == {
        "temperature": [(T0, 20.5)],
        "motion": [(T0 + MINUTE, 1.0)],
        "status": [],
    }
    (letter,) = dead_letters(client, admin)
    assert letter["reason"] == "; ".join(body["rejected"])
    assert '"humidity"' in letter["payload"]


MALFORMED = [
    b'{"temperature": ',
    b"not json at all",
    b"",
    b"[]",
    b"[1, 2]",
    b'"temperature"',
    b"42",
    b"{}",
    b"[{}]",
    b'{"ts": 1795000000, "values": {"temperature": 20}}',  # seconds, not milliseconds
    b'{"ts": "2026-11-18", "values": {"temperature": 20}}',
    b'{"ts": true, "values": {"temperature": 20}}',
    b'{"ts": 1795000000000}',
    b'{"ts": 1795000000000, "values": [20]}',
    b'{"ts": 1795000000000, "values": {"temperature": 20}, "device": 1}',
    b'[{"temperature": 20}, "oops"]',
    b'{"temperature": NaN}',
    b'{"temperature": 1e400}',
    b"\xff\xfe{\x00}",
    b"[" * 5000 + b"]" * 5000,
]


def test_malformed_messages_are_400_with_dead_letters(
    client: TestClient, admin: dict, sensor: dict, platform: Platform
) -> None:
    future = int(time.time() * 1000) + 2 * DAY
    messages = [*MALFORMED, f'{{"ts": {future}, "values": {{"temperature": 20}}}}'.encode()]
    for body in messages:
        error = assert_error(ingest(client, sensor["token"], body), 400, "malformed")
        assert error["message"].startswith("malformed: "), (body, error)
    assert raw_count(platform, sensor["id"]) == 0
    letters = dead_letters(client, admin, f"device_id={sensor['id']}&source=http&limit=1000")
    assert len(letters) == len(messages)
    for letter, body in zip(reversed(letters), messages, strict=True):
        assert letter["reason"].startswith("malformed: ")
        assert letter["tenant_id"] == "namyangju"
        expected = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        assert letter["payload"] == expected, body[:40]
    # The ingestion pipeline still works after all of that.
    assert ingest(client, sensor["token"], {"temperature": 20}).status_code == 200


def test_a_repeated_message_stores_no_duplicates(
    client: TestClient, admin: dict, sensor: dict, platform: Platform
) -> None:
    message = [{"ts": T0 + i * 20_000, "values": {"temperature": 10.0 + i}} for i in range(9)]  # 3 minutes
    for _ in range(3):
        assert ingest(client, sensor["token"], message).json() == {"accepted": 9, "rejected": []}
    overlapping = [{"ts": T0 + i * 20_000, "values": {"temperature": 10.0 + i}} for i in range(6, 12)]
    assert ingest(client, sensor["token"], overlapping).status_code == 200
    assert raw_count(platform, sensor["id"]) == 12
    assert raw(client, admin, sensor["id"], "temperature")["temperature"] == [
        (T0 + i * 20_000, 10.0 + i) for i in range(12)
    ]
    for interval in ("1m", "1h", "1d"):
        response = client.get(
            f"/api/v1/devices/{sensor['id']}/telemetry?keys=temperature&interval={interval}&agg=count"
            f"&start={T0 - DAY}&end={T0 + DAY}",
            headers=admin,
        )
        points = response.json()["data"]["temperature"]
        assert sum(p["count"] for p in points) == 12, (interval, points)
        assert sum(p["value"] for p in points) == 12
    window = f"start={T0 - DAY}&end={T0 + DAY}"
    total = client.get(
        f"/api/v1/devices/{sensor['id']}/telemetry?keys=temperature&interval=1d&agg=sum&{window}", headers=admin
    ).json()["data"]["temperature"]
    assert sum(p["value"] for p in total) == pytest.approx(sum(10.0 + i for i in range(12)))


def test_latest_keeps_the_newest_reading(client: TestClient, admin: dict, sensor: dict) -> None:
    def latest() -> dict[str, Any]:
        return dict(client.get(f"/api/v1/devices/{sensor['id']}/latest", headers=admin).json()["values"])

    ingest(client, sensor["token"], {"ts": T0 + 10 * MINUTE, "values": {"temperature": 2.0, "status": "new"}})
    ingest(client, sensor["token"], {"ts": T0, "values": {"temperature": 1.0, "status": "old"}})
    assert latest() == {
        "status": {"ts": T0 + 10 * MINUTE, "value": "new"},
        "temperature": {"ts": T0 + 10 * MINUTE, "value": 2.0},
    }
    # Within one message too, whatever the order.
    ingest(
        client,
        sensor["token"],
        [
            {"ts": T0 + 30 * MINUTE, "values": {"temperature": 4.0}},
            {"ts": T0 + 20 * MINUTE, "values": {"temperature": 3.0}},
        ],
    )
    assert latest()["temperature"] == {"ts": T0 + 30 * MINUTE, "value": 4.0}
    filtered = client.get(f"/api/v1/devices/{sensor['id']}/latest?keys=status,nothing", headers=admin).json()
    assert filtered == {"device_id": sensor["id"], "values": {"status": {"ts": T0 + 10 * MINUTE, "value": "new"}}}


def test_only_a_device_token_may_ingest(client: TestClient, tenant: Any, admin: dict, sensor: dict) -> None:
    for headers in ({}, bearer("mau_dev_unknown"), admin, {"Authorization": "Token abc"}):
        response = client.post("/api/v1/ingest/telemetry", json={"temperature": 20}, headers=headers)
        assert_error(response, 401, "unauthorized")
    deleted = client.post("/api/v1/devices", json={"name": "gone"}, headers=admin).json()
    assert ingest(client, deleted["token"], {"x": 1}).status_code == 200
    client.delete(f"/api/v1/devices/{deleted['id']}", headers=admin)
    assert_error(ingest(client, deleted["token"], {"x": 1}), 401, "unauthorized")


def test_a_message_over_the_size_limit_is_413(client: TestClient, sensor: dict, platform: Platform) -> None:
    body = b'{"status": "' + b"x" * (4 * 1024 * 1024) + b'"}'
    error = assert_error(ingest(client, sensor["token"], body), 413, "too_large")
    assert "MiB" in error["message"]
    assert raw_count(platform, sensor["id"]) == 0


def test_dead_letters_are_listed_newest_first_with_filters_and_pages(
    client: TestClient, tenant: Any, admin: dict, sensor: dict
) -> None:
    other = client.post("/api/v1/devices", json={"name": "other"}, headers=admin).json()
    for i in range(5):
        ingest(client, sensor["token"], f"broken {i}")
    ingest(client, other["token"], "other broken")
    everything = dead_letters(client, admin)
    assert [letter["payload"] for letter in everything] == ["other broken"] + [f"broken {i}" for i in range(4, -1, -1)]
    assert [letter["id"] for letter in everything] == sorted((letter["id"] for letter in everything), reverse=True)
    mine = dead_letters(client, admin, f"device_id={sensor['id']}")
    assert len(mine) == 5 and all(letter["device_id"] == sensor["id"] for letter in mine)
    assert dead_letters(client, admin, "source=mqtt") == []
    page = client.get("/api/v1/dead-letters?limit=4", headers=admin).json()
    assert page["next_offset"] == 4 and len(page["items"]) == 4
    rest = client.get("/api/v1/dead-letters?limit=4&offset=4", headers=admin).json()
    assert rest["next_offset"] is None and page["items"] + rest["items"] == everything
    viewer = client.get("/api/v1/dead-letters", headers=tenant.headers["viewer"])
    assert viewer.status_code == 200 and viewer.json()["items"] == everything
    for query in ("limit=0", "limit=1001", "offset=-1", "device_id=x"):
        assert_error(client.get(f"/api/v1/dead-letters?{query}", headers=admin), 422, "validation_error")


# --- known defects outside the HTTP and SQL adapters (maeul/core, maeul/platform) -------------------------------


def test_a_key_with_a_trailing_newline_is_refused(client: TestClient, admin: dict, platform: Platform) -> None:
    device = client.post("/api/v1/devices", json={"name": "generic"}, headers=admin).json()
    response = ingest(client, device["token"], {"level\n": 1, "level": 2})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1 and "invalid key" in response.json()["rejected"][0]


def test_text_a_store_cannot_hold_loses_no_other_reading(
    client: TestClient, admin: dict, sensor: dict, platform: Platform
) -> None:
    """PostgreSQL text cannot hold NUL: that reading must be refused (dead-lettered), the rest stored."""
    response = ingest(client, sensor["token"], {"ts": T0, "values": {"status": "a\u0000b", "temperature": 20}})
    stored = raw(client, admin, sensor["id"])["temperature"]
    assert response.status_code == 200, response.text
    assert stored == [(T0, 20.0)]
    assert "NUL" in response.json()["rejected"][0]
    # Whatever happened, the pipeline still works.
    assert ingest(client, sensor["token"], {"temperature": 21}).status_code == 200

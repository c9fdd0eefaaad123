"""Telemetry queries: raw pages, aggregates against a naive computation, CSV export, bad parameters (both stores)."""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from api_support import DAY, HOUR, MINUTE, assert_error, ingest
from fastapi.testclient import TestClient

SEOUL = ZoneInfo("Asia/Seoul")
# Local midnight in Seoul, 2026-11-16 00:00 KST = 2026-11-15T15:00Z.
START = int(datetime(2026, 11, 16, tzinfo=SEOUL).timestamp() * 1000)
END = START + 3 * DAY


@pytest.fixture
def loaded(client: TestClient, admin: dict) -> dict[str, Any]:
    """A device with irregular readings of two numeric keys over 2.5 local days, and one text key."""
    profile = {"name": "meter", "keys": [{"key": "state", "type": "string"}], "accept_any_numeric": True}
    assert client.post("/api/v1/profiles", json=profile, headers=admin).status_code == 201
    device = client.post("/api/v1/devices", json={"name": "meter", "profile": "meter"}, headers=admin).json()
    rng = random.Random(20261123)
    readings: dict[str, list[tuple[int, float]]] = {"power": [], "water": []}
    ts = START + 7_321
    while ts < START + 60 * HOUR:
        readings["power"].append((ts, round(rng.uniform(-5, 120), 3)))
        if rng.random() < 0.6:
            readings["water"].append((ts + 13_000, float(rng.randint(0, 40))))
        ts += rng.randint(20_000, 11 * MINUTE)
    message = [{"ts": t, "values": {key: v}} for key, series in readings.items() for t, v in series]
    response = ingest(client, device["token"], message)
    assert response.json() == {"accepted": len(message), "rejected": []}
    text = [{"ts": START + i * HOUR, "values": {"state": f"s{i}"}} for i in range(3)]
    assert ingest(client, device["token"], text).status_code == 200
    return {"device": device, "readings": readings}


def series(client: TestClient, admin: dict, device_id: int, query: str) -> Any:
    response = client.get(f"/api/v1/devices/{device_id}/telemetry?{query}", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def local_day_start(ts: int) -> int:
    day = datetime.fromtimestamp(ts / 1000, SEOUL).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(day.timestamp() * 1000)


def naive_buckets(readings: list[tuple[int, float]], interval: int) -> dict[int, list[float]]:
    buckets: dict[int, list[float]] = defaultdict(list)
    for ts, value in readings:
        if interval == DAY:
            start = local_day_start(ts)  # computed from the calendar, not from offsets
        elif interval % HOUR == 0:
            start = (ts + 9 * HOUR) // interval * interval - 9 * HOUR  # Seoul is UTC+9 all year
        else:
            start = ts // interval * interval
        buckets[start].append(value)
    return buckets


AGGREGATES = {
    "avg": lambda values: sum(values) / len(values),
    "min": min,
    "max": max,
    "sum": sum,
    "count": len,
}


def test_raw_pages_cover_every_row_exactly_once(client: TestClient, admin: dict, loaded: dict) -> None:
    device_id, readings = loaded["device"]["id"], loaded["readings"]
    expected = [(key, ts, value) for key in sorted(readings) for ts, value in readings[key]]
    seen: list[tuple[str, int, Any]] = []
    cursor = None
    pages = 0
    while True:
        query = f"keys=water,power&start={START}&end={END}&limit=37" + (f"&cursor={cursor}" if cursor else "")
        body = series(client, admin, device_id, query)
        assert body["interval"] == "raw" and body["agg"] is None and set(body["data"]) == {"power", "water"}
        page = [(key, p["ts"], p["value"]) for key, points in body["data"].items() for p in points]
        assert len(page) <= 37 and all(p["count"] is None for points in body["data"].values() for p in points)
        seen += sorted(page)
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert len(set(seen)) == len(seen) and pages == -(-len(expected) // 37)
    # One page holding everything has no cursor; the default keys are every key the device sent.
    everything = series(client, admin, device_id, f"start={START}&end={END}&limit=10000")
    assert set(everything["data"]) == {"power", "water", "state"} and everything["next_cursor"] is None
    assert [p["value"] for p in everything["data"]["state"]] == ["s0", "s1", "s2"]


def test_raw_window_is_start_inclusive_end_exclusive(client: TestClient, admin: dict, loaded: dict) -> None:
    device_id, power = loaded["device"]["id"], loaded["readings"]["power"]
    first, third = power[0][0], power[2][0]
    body = series(client, admin, device_id, f"keys=power&start={first}&end={third}")
    assert [p["ts"] for p in body["data"]["power"]] == [first, power[1][0]]


def test_aggregates_match_a_naive_computation(client: TestClient, admin: dict, loaded: dict) -> None:
    device_id, readings = loaded["device"]["id"], loaded["readings"]
    intervals = {"1m": MINUTE, "15m": 15 * MINUTE, "1h": HOUR, "3h": 3 * HOUR, "1d": DAY}
    for (interval, interval_ms), (agg, fold) in itertools.product(intervals.items(), AGGREGATES.items()):
        body = series(
            client,
            admin,
            device_id,
            f"keys=power,water,state&start={START}&end={END}&interval={interval}&agg={agg}&limit=10000",
        )
        assert body["agg"] == agg and body["interval"] == interval and body["next_cursor"] is None
        assert body["data"]["state"] == []  # text is not aggregated
        for key in ("power", "water"):
            expected = naive_buckets(readings[key], interval_ms)
            got = body["data"][key]
            assert [p["ts"] for p in got] == sorted(expected), (key, agg)
            for point in got:
                values = expected[point["ts"]]
                assert point["count"] == len(values)
                assert point["value"] == pytest.approx(fold(values), rel=1e-9, abs=1e-9), (key, agg, point)
    # Days start at local midnight: 2026-11-16, 17 and 18 in Seoul.
    days = [
        p["ts"]
        for p in series(client, admin, device_id, f"keys=power&start={START}&end={END}&interval=1d")["data"]["power"]
    ]
    assert days == [START, START + DAY, START + 2 * DAY]
    assert [datetime.fromtimestamp(d / 1000, SEOUL).hour for d in days] == [0, 0, 0]


def test_aggregated_pages_cover_every_bucket_once(client: TestClient, admin: dict, loaded: dict) -> None:
    device_id = loaded["device"]["id"]
    base = f"keys=power,water&start={START}&end={END}&interval=15m&agg=sum"
    whole = series(client, admin, device_id, base + "&limit=10000")["data"]
    collected: dict[str, list[dict[str, Any]]] = {"power": [], "water": []}
    cursor = None
    while True:
        body = series(client, admin, device_id, base + "&limit=11" + (f"&cursor={cursor}" if cursor else ""))
        for key, points in body["data"].items():
            collected[key] += points
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert collected == whole


def test_csv_export_has_a_header_and_every_row(client: TestClient, admin: dict) -> None:
    """More rows than one internal page (10 000), so the export has to follow the cursor."""
    device = client.post("/api/v1/devices", json={"name": "counter"}, headers=admin).json()
    for half in range(2):
        message = [{"ts": START + (half * 5_100 + i) * 1000, "values": {"n": half * 5_100 + i}} for i in range(5_100)]
        assert ingest(client, device["token"], message).json()["accepted"] == 5_100
    response = client.get(f"/api/v1/devices/{device['id']}/telemetry.csv?start={START}&end={END}", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="device-{device["id"]}-telemetry.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["key", "ts", "time", "value"]
    assert len(rows) == 1 + 10_200
    assert [int(r[1]) for r in rows[1:]] == [START + i * 1000 for i in range(10_200)]
    assert all(r[0] == "n" and float(r[3]) == i for i, r in enumerate(rows[1:]))
    assert rows[1][2] == "2026-11-16T00:00:00.000+09:00"
    assert datetime.fromisoformat(rows[-1][2]).timestamp() * 1000 == START + 10_199 * 1000


def test_csv_export_of_aggregates_matches_the_json_series(client: TestClient, admin: dict, loaded: dict) -> None:
    device_id = loaded["device"]["id"]
    query = f"keys=power,water&start={START}&end={END}&interval=1h&agg=max"
    rows = list(
        csv.reader(io.StringIO(client.get(f"/api/v1/devices/{device_id}/telemetry.csv?{query}", headers=admin).text))
    )
    assert rows[0] == ["key", "ts", "time", "max", "count"]
    data = series(client, admin, device_id, query + "&limit=10000")["data"]
    expected = [[key, p["ts"], p["value"], p["count"]] for key in ("power", "water") for p in data[key]]
    assert [[r[0], int(r[1]), float(r[3]), int(r[4])] for r in rows[1:]] == expected
    assert all(r[2].endswith("+09:00") and r[2][11:].startswith(("0", "1", "2")) for r in rows[1:])


def test_time_parameters_accept_iso_8601_and_epoch_ms(client: TestClient, admin: dict, loaded: dict) -> None:
    device_id = loaded["device"]["id"]
    for start in ("2026-11-16T00:00", "2026-11-16T00:00:00+09:00", "2026-11-15T15:00:00Z", str(START)):
        body = series(client, admin, device_id, f"keys=power&start={start.replace('+', '%2B')}&end={END}")
        assert body["start"] == START, start
    default = series(client, admin, device_id, "keys=power")
    assert default["end"] - default["start"] == DAY


BAD_QUERIES = [
    (f"start={END}&end={START}", "start must be before end"),
    (f"start={START}&end={START}", "start must be before end"),
    ("start=yesterday", "ISO 8601"),
    ("end=2026-13-01", "ISO 8601"),
    ("start=--5", "ISO 8601"),
    ("start=%C2%B2", "ISO 8601"),
    ("start=-1", "outside"),
    ("end=99999999999999999", "outside"),
    ("start=1000-01-01T00:00", "outside"),
    ("interval=abc", "interval"),
    ("interval=0m", "interval"),
    ("interval=-1h", "interval"),
    ("interval=1.5h", "interval"),
    ("interval=30s", "whole minutes"),
    ("interval=90001s", "whole minutes"),
    ("interval=99999999999999999999d", "longer than"),
    (f"interval=1m&start={START - 800 * DAY}&end={END}", "too many buckets"),
    ("cursor=nope", "cursor"),
    ("cursor=power|abc", "cursor"),
    ("cursor=|5", "cursor"),
    ("cursor=power|--5", "cursor"),
    ("keys=" + ",".join(f"k{i}" for i in range(51)), "at most 50 keys"),
]


def test_bad_query_parameters_are_422_with_a_clear_message(client: TestClient, admin: dict, loaded: dict) -> None:
    device_id = loaded["device"]["id"]
    problems = []
    for query, fragment in BAD_QUERIES:
        for suffix in ("telemetry", "telemetry.csv"):
            if suffix.endswith("csv") and query.startswith("cursor"):
                continue  # the export has no cursor
            response = client.get(f"/api/v1/devices/{device_id}/{suffix}?{query}", headers=admin)
            if response.status_code != 422 or fragment not in response.json()["error"]["message"]:
                problems.append(f"{suffix}?{query}: {response.status_code} {response.text[:200]}")
    assert not problems, "\n".join(problems)
    for query in ("agg=median", "limit=0", "limit=10001", "agg="):
        assert_error(
            client.get(f"/api/v1/devices/{device_id}/telemetry?{query}", headers=admin), 422, "validation_error"
        )
    for suffix in ("latest", "telemetry", "telemetry.csv"):
        assert_error(client.get(f"/api/v1/devices/999999/{suffix}", headers=admin), 404, "not_found")
        assert_error(client.get(f"/api/v1/devices/0/{suffix}", headers=admin), 422, "validation_error")


def test_a_device_without_data_has_empty_series(client: TestClient, admin: dict) -> None:
    device = client.post("/api/v1/devices", json={"name": "silent"}, headers=admin).json()
    assert series(client, admin, device["id"], "")["data"] == {}
    assert series(client, admin, device["id"], "keys=a,b&interval=1h")["data"] == {"a": [], "b": []}
    latest = client.get(f"/api/v1/devices/{device['id']}/latest", headers=admin).json()
    assert latest == {"device_id": device["id"], "values": {}}
    text = client.get(f"/api/v1/devices/{device['id']}/telemetry.csv?keys=a", headers=admin).text
    assert text.splitlines() == ["key,ts,time,value"]

"""A seeded town for the analytics tests: three districts and requests whose figures are known by hand.

District A (화도읍 / Hwado-eup): 5 potholes within ~50 m in the last two days (a hotspot, and a trend alert:
5 this week against 1 in the four weeks before), 1 older pothole 1 km away (resolved after 26 h), 2 street
lights. District B (진접읍 / Jinjeop-eup): 3 potholes 500 m apart (one transferred to parks, resolved after
52 h), 1 street light: the same mix as A. District C (별내동 / Byeollae-dong): 4 park proposals far apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from complaints_support import Town, ok
from fastapi.testclient import TestClient

from maeul.adapters.sql.districts import replace_districts
from maeul.core.districts import District
from maeul.platform.app import Platform
from maeul.services.complaints import config_repo, handling
from maeul.services.complaints import requests_repo as repo
from maeul.services.complaints.open311.params import check_attributes, parse_post

DAY = 86_400_000
HOUR = 3_600_000
MONDAY = 1_795_359_600_000  # 2026-11-23T00:00:00+09:00
NOW = MONDAY + 10 * HOUR


def square(code: str, name: str, name_en: str, lon: float) -> District:
    ring = [[lon, 37.60], [lon + 0.05, 37.60], [lon + 0.05, 37.65], [lon, 37.65], [lon, 37.60]]
    return District(code, name, name_en, {"type": "Polygon", "coordinates": [ring]})


DISTRICTS = [
    square("A", "화도읍", "Hwado-eup", 127.20),
    square("B", "진접읍", "Jinjeop-eup", 127.25),
    square("C", "별내동", "Byeollae-dong", 127.30),
]


@dataclass
class Seeded:
    town: Town
    hotspot_ids: list[int]
    resolved_a: int
    transferred_b: int
    streetlight: dict[str, object]


def _create(platform: Platform, town: Town, code: str, lat: float, lon: float, at: int, text: str) -> int:
    pairs = [("service_code", code), ("lat", str(lat)), ("long", str(lon)), ("description", text)]
    if code == "pothole":
        pairs.append(("attribute[size]", "large"))
    new = parse_post(pairs)
    with platform.engine.begin() as conn:
        category = config_repo.category_by_code(conn, town.id, code)
        assert category is not None
        attributes = check_attributes(category["attributes"], new.attributes)
        return int(repo.create_request(conn, town.id, new, category, attributes, now=at)["id"])


def seed(client: TestClient, platform: Platform, town: Town) -> Seeded:
    light = ok(client.post("/api/v1/complaints/categories", json={
        "code": "streetlight", "name": "가로등 고장", "name_en": "Street light", "kind": "grievance",
        "department_id": town.roads["id"]}, headers=town.admin))  # fmt: skip
    with platform.engine.begin() as conn:
        replace_districts(conn, town.id, DISTRICTS)
    hot = [
        _create(
            platform,
            town,
            "pothole",
            37.6200 + i * 0.0001,
            127.2200 + i * 0.0001,
            NOW - DAY - i * 6 * HOUR,
            f"도로에 큰 구멍 {i}",
        )
        for i in range(5)
    ]
    old = _create(platform, town, "pothole", 37.6300, 127.2300, NOW - 10 * DAY, "오래된 포트홀")
    for i in range(2):
        _create(platform, town, "streetlight", 37.6100 + i * 0.01, 127.2100, NOW - 2 * DAY, "가로등이 꺼졌어요")
    b_ids = [
        _create(platform, town, "pothole", 37.6100 + i * 0.0045, 127.2600, NOW - 5 * DAY + i * HOUR, "도로 파손")
        for i in range(3)
    ]
    _create(platform, town, "streetlight", 37.6200, 127.2700, NOW - 4 * DAY, "보안등 고장")
    for i in range(4):
        _create(platform, town, "park_idea", 37.6100 + i * 0.01, 127.3200, NOW - 3 * DAY, "공원에 벤치를")
    with platform.engine.begin() as conn:
        t0 = NOW - 10 * DAY
        handling.change_status(conn, town.id, old, "accepted", actor_id=None, now=t0 + 2 * HOUR)
        handling.change_status(conn, town.id, old, "resolved", actor_id=None, now=t0 + 26 * HOUR)
        t1 = NOW - 5 * DAY
        handling.transfer(conn, town.id, b_ids[0], int(town.parks["id"]), actor_id=None, now=t1 + 4 * HOUR)
        handling.change_status(conn, town.id, b_ids[0], "resolved", actor_id=None, now=t1 + 52 * HOUR)
    return Seeded(town, hot, old, b_ids[0], light)

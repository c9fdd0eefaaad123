"""Areas (districts, polygons, point with radius), shelters (imports, opening hours, nearest open), texts."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Polygon

from maeul.services.warnings.core import areas, shelters, texts

SQUARE = Polygon([(127.0, 37.0), (127.1, 37.0), (127.1, 37.1), (127.0, 37.1)])
DISTRICTS = [("A", SQUARE), ("B", Polygon([(127.1, 37.0), (127.2, 37.0), (127.2, 37.1), (127.1, 37.1)]))]


@pytest.mark.parametrize(
    ("lon", "lat", "radius", "expected"),
    [
        (127.05, 37.05, None, True),  # inside
        (127.15, 37.05, None, False),  # in the neighbour
        (127.105, 37.05, 300, False),  # 440 m east of the border: a 300 m circle does not reach
        (127.105, 37.05, 600, True),  # ... a 600 m one does
    ],
)
def test_point_and_radius_matching(lon: float, lat: float, radius: float | None, expected: bool) -> None:
    assert areas.matches(SQUARE, lon, lat, radius) is expected


@pytest.mark.parametrize(
    ("lon", "lat", "radius", "expected"),
    [(127.05, 37.05, 100, ["A"]), (127.099, 37.05, 500, ["A", "B"]), (127.15, 37.05, 100, ["B"])],
)
def test_districts_a_circle_touches(lon: float, lat: float, radius: float, expected: list[str]) -> None:
    assert areas.districts_touched(areas.circle(lon, lat, radius), DISTRICTS) == expected


def test_circle_radius_is_in_metres() -> None:
    disc = areas.circle(127.0, 37.5, 1000)
    west, _s, east, _n = disc.bounds
    assert areas.haversine_m(west, 37.5, east, 37.5) == pytest.approx(2000, rel=0.01)


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "Point", "coordinates": [127, 37]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},  # crosses itself
        {"type": "Polygon"},
        "nothing",
    ],
)
def test_bad_polygons_are_refused(bad: object) -> None:
    with pytest.raises(areas.AreaError):
        areas.polygon_from_geojson(bad)


def test_warning_area_is_the_union_and_rings_are_closed() -> None:
    polygon = {"type": "Polygon", "coordinates": [[[127.3, 37.0], [127.4, 37.0], [127.4, 37.1], [127.3, 37.0]]]}
    geom = areas.WarningArea(("A",), polygon).geometry(dict(DISTRICTS))
    rings = areas.cap_rings(geom)
    assert len(rings) == 2 and all(r[0] == r[-1] and len(r) >= 4 for r in rings)
    with pytest.raises(areas.AreaError):
        areas.WarningArea(("Z",)).geometry(dict(DISTRICTS))


MONDAY_10 = datetime(2026, 11, 23, 10, 0)  # a Monday
SUNDAY_23 = datetime(2026, 11, 22, 23, 30)


@pytest.mark.parametrize(
    ("hours", "at", "expected"),
    [
        ("24/7", MONDAY_10, True),
        ("Mo-Fr 09:00-18:00", MONDAY_10, True),
        ("Mo-Fr 09:00-18:00", SUNDAY_23, False),
        ("Sa,Su 10:00-12:00,13:00-17:00", SUNDAY_23, False),
        ("Su 22:00-06:00", SUNDAY_23, True),
        ("Su 22:00-06:00", datetime(2026, 11, 23, 5, 59), True),  # Monday morning, from Sunday's range
        ("Su 22:00-06:00", datetime(2026, 11, 23, 6, 0), False),
        ("Fr-Mo 00:00-24:00", MONDAY_10, True),  # a range across the week's end
    ],
)
def test_opening_hours(hours: str, at: datetime, expected: bool) -> None:
    assert shelters.parse_hours(hours).is_open(at) is expected


@pytest.mark.parametrize("bad", ["", "Mo 9-18", "Xx 09:00-18:00", "Mo 09:00-09:00", "Mo 25:00-26:00", "Mo-Fr"])
def test_bad_opening_hours(bad: str) -> None:
    with pytest.raises(shelters.HoursError):
        shelters.parse_hours(bad)


@given(st.text(max_size=60))
def test_hours_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(shelters.HoursError):
        shelters.parse_hours(text)


CSV = """name,name_en,kind,lon,lat,capacity,hours,address
와부 체육관,Wabu gym,evacuation,127.21,37.58,500,24/7,와부읍
경로당,Senior centre,heat,127.05,37.05,30,Mo-Fr 09:00-18:00,
먼 대피소,Far shelter,evacuation,127.9,37.9,,24/7,
"""


def test_csv_import_and_nearest_open() -> None:
    items, errors = shelters.parse_csv(CSV)
    assert errors == [] and [s.name for s in items] == ["와부 체육관", "경로당", "먼 대피소"]
    assert items[2].capacity is None
    found = shelters.nearest_open(items, 127.05, 37.05, MONDAY_10)
    assert [items[n.index].name for n in found] == ["경로당", "와부 체육관", "먼 대피소"]
    closed = shelters.nearest_open(items, 127.05, 37.05, SUNDAY_23)
    assert [items[n.index].name for n in closed] == ["와부 체육관", "먼 대피소"]
    heat = shelters.nearest_open(items, 127.05, 37.05, MONDAY_10, kind="heat")
    assert [items[n.index].name for n in heat] == ["경로당"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("name,kind,lon\nx,heat,1\n", "line 1: missing column(s) lat"),
        ("name,kind,lon,lat,colour\n", "line 1: unknown column(s) colour"),
        ("name,kind,lon,lat\nx,party,127,37\n", "line 2: kind 'party'"),
        ("name,kind,lon,lat\nx,heat,east,37\n", "line 2: lon and lat"),
        ("name,kind,lon,lat,hours\nx,heat,127,37,Mo 9-5\n", "line 2: hours"),
        ("name,kind,lon,lat,capacity\nx,heat,127,37,-3\n", "line 2: capacity"),
        ("name,kind,lon,lat\n,heat,127,37\n", "line 2: name"),
    ],
)
def test_csv_errors_name_the_line(text: str, error: str) -> None:
    items, errors = shelters.parse_csv(text)
    assert items == [] or errors
    assert errors and errors[0].startswith(error), errors


def test_geojson_import() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [127.1, 37.1]},
                "properties": {"name": "쉼터", "kind": "cold", "hours": "24/7"},
            },
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": []}, "properties": {}},
        ],
    }
    items, errors = shelters.parse_geojson(doc)
    assert [s.name for s in items] == ["쉼터"] and errors == ["feature 2: a Point geometry expected"]
    assert shelters.parse_geojson([]) == ([], ["not a GeoJSON FeatureCollection"])


@pytest.mark.parametrize(
    ("stage", "previous", "ko", "en"),
    [
        (2, 0, "[주의] 와부읍 하천 홍수 주의 단계 발령", "[Caution] River flood caution warning for Wabu-eup"),
        (
            3,
            2,
            "[경계] 와부읍 하천 홍수 경보 경계 단계로 상향",
            "[Alert] River flood warning for Wabu-eup raised to alert",
        ),
        (
            1,
            4,
            "[관심] 와부읍 하천 홍수 경보 관심 단계로 하향",
            "[Interest] River flood warning for Wabu-eup lowered to interest",
        ),
        (0, 2, "[해제] 와부읍 하천 홍수 경보 해제", "[All clear] River flood warning lifted for Wabu-eup"),
    ],
)
def test_message_texts(stage: int, previous: int, ko: str, en: str) -> None:
    situation = texts.Situation(
        "하천 홍수",
        "River flood",
        stage,
        previous,
        "와부읍",
        "Wabu-eup",
        "와부 수위국",
        "Wabu gauge",
        4.2,
        "m",
        forecast=4.8,
        shelter_ko="와부 체육관 (1.2 km)",
        shelter_en="Wabu gym (1.2 km)",
    )
    rendered = texts.render(situation)
    assert (rendered.headline_ko, rendered.headline_en) == (ko, en)
    if stage:
        assert "4.8m까지" in rendered.body_ko and "Expected to reach 4.8 m" in rendered.body_en
        assert rendered.instruction_en.endswith("Nearest open shelter: Wabu gym (1.2 km).")
    else:
        assert "대피소" not in rendered.instruction_ko

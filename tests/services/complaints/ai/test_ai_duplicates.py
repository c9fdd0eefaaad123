from __future__ import annotations

from datetime import timedelta

import pytest
from ai_support import T0, complaint, small_classifier

from maeul.services.complaints.ai import AiInputError, find_duplicates
from maeul.services.complaints.ai.geo import haversine_m
from maeul.services.complaints.ai.taxonomy import related_categories

LAT, LON = 37.65388, 127.32029  # Hwado-eup
M = 1 / 111_320  # one metre of latitude in degrees

NEW = complaint("new", "road_damage", LAT, LON, T0, "화도읍 마석우리 농협 앞 도로에 포트홀이 생겼어요")


def _candidates() -> list:
    return [
        complaint("same", "road_damage", LAT + 30 * M, LON, T0 - timedelta(hours=5), "농협 앞 도로 포트홀 보수 부탁"),
        complaint("far", "road_damage", LAT + 600 * M, LON, T0, "농협 앞 도로 포트홀"),
        complaint("old", "road_damage", LAT, LON, T0 - timedelta(days=40), "농협 앞 도로 포트홀"),
        complaint("later", "road_damage", LAT - 20 * M, LON, T0 + timedelta(days=2), "도로가 패였어요"),
        complaint("related", "sidewalk", LAT + 10 * M, LON, T0, "인도 보도블록이 깨졌어요"),
        complaint("other", "noise", LAT, LON, T0, "공사장 소음"),
        complaint("new", "road_damage", LAT, LON, T0, "itself"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ["same", "later"]),
        ({"related": related_categories()}, ["same", "later", "related"]),
        ({"radius_m": 1000}, ["same", "far", "later"]),  # same words: text outweighs 600 m
        ({"window": timedelta(days=60)}, ["old", "same", "later"]),
        ({"limit": 1}, ["same"]),
        ({"min_score": 0.99}, []),
    ],
)
def test_filters_and_ranking(kwargs: dict, expected: list[str]) -> None:
    found = find_duplicates(NEW, _candidates(), **{"min_score": 0.0, **kwargs})
    assert [s.complaint_id for s in found] == expected
    assert all(0.0 <= s.score <= 1.0 for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_suggestion_parts_and_classifier_vectors() -> None:
    found = find_duplicates(
        NEW, _candidates(), related=related_categories(), classifier=small_classifier(), min_score=0.0
    )
    by_id = {s.complaint_id: s for s in found}
    assert by_id["same"].distance_m == pytest.approx(30, abs=0.5)
    assert by_id["same"].hours_apart == pytest.approx(5)
    assert by_id["same"].same_category and not by_id["related"].same_category
    assert by_id["same"].text_similarity > by_id["related"].text_similarity


def test_the_default_cut_keeps_close_recent_same_category_reports() -> None:
    found = find_duplicates(NEW, _candidates(), related=related_categories())
    assert "same" in [s.complaint_id for s in found] and all(s.score >= 0.45 for s in found)


def test_nothing_nearby_gives_no_suggestions() -> None:
    assert find_duplicates(NEW, []) == []
    assert find_duplicates(NEW, [complaint("x", "noise", LAT, LON)]) == []


@pytest.mark.parametrize("kwargs", [{"radius_m": 0}, {"window": timedelta(0)}, {"limit": 0}])
def test_bad_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(AiInputError):
        find_duplicates(NEW, _candidates(), **kwargs)


def test_bad_location_is_refused() -> None:
    with pytest.raises(AiInputError, match="bad location"):
        find_duplicates(complaint("n", "noise", 95.0, 0.0), _candidates())


@pytest.mark.parametrize(
    ("lat", "lon", "metres"),
    [(LAT, LON, 0.0), (LAT + 1000 * M, LON, 1000.0), (37.5665, 126.9780, 31_700.0)],
)
def test_haversine(lat: float, lon: float, metres: float) -> None:
    import numpy as np

    assert float(haversine_m(LAT, LON, np.array([lat]), np.array([lon]))[0]) == pytest.approx(metres, rel=0.02, abs=1)

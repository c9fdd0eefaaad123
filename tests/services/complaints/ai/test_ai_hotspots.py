from __future__ import annotations

from datetime import timedelta

import pytest
from ai_support import T0, complaint

from maeul.services.complaints.ai import AiInputError, hotspots, trend_alerts

LAT, LON = 37.65388, 127.32029
M = 1 / 111_320
NAMES = {"3113013": ("화도읍", "Hwado-eup"), "3113051": ("호평동", "Hopyeong-dong")}


def _cluster(prefix: str, category: str, n: int, lat: float, at_step: timedelta, district: str = "3113013") -> list:
    return [
        complaint(f"{prefix}{i}", category, lat + i * 20 * M, LON, T0 - i * at_step, district=district)
        for i in range(n)
    ]


def test_a_tight_cluster_is_found_and_scattered_points_are_not() -> None:
    points = [
        *_cluster("a", "road_damage", 6, LAT, timedelta(hours=10)),
        *[complaint(f"s{i}", "road_damage", LAT + i * 900 * M, LON + 0.01, T0) for i in range(1, 6)],
        *_cluster("n", "noise", 3, LAT, timedelta(hours=1)),
    ]
    found = hotspots(points, T0 + timedelta(hours=1), min_reports=4)
    assert len(found) == 1
    spot = found[0]
    assert (spot.category, spot.count, spot.district_code) == ("road_damage", 6, "3113013")
    assert set(spot.complaint_ids) == {f"a{i}" for i in range(6)}
    assert spot.radius_m < 80 and spot.first_at < spot.last_at


@pytest.mark.parametrize(
    ("step", "window", "expected"),
    [
        (timedelta(hours=10), timedelta(days=28), 1),
        (timedelta(days=10), timedelta(days=100), 0),  # far apart in time: no cluster
        (timedelta(hours=10), timedelta(hours=1), 0),  # outside the recent window
    ],
)
def test_time_matters(step: timedelta, window: timedelta, expected: int) -> None:
    points = _cluster("a", "road_damage", 5, LAT, step)
    assert len(hotspots(points, T0 + timedelta(minutes=1), window=window, min_reports=4)) == expected


def test_bad_hotspot_settings() -> None:
    with pytest.raises(AiInputError):
        hotspots([], T0, min_reports=1)


def _weekly(district: str, category: str, counts: list[int]) -> list:
    """counts[0] this week, counts[1] the week before, ..."""
    out = []
    for week, n in enumerate(counts):
        for i in range(n):
            at = T0 - timedelta(days=7 * week) - timedelta(hours=1 + i)
            out.append(complaint(f"{district}{category}{week}-{i}", category, LAT, LON, at, district=district))
    return out


def test_tripled_reports_raise_an_alert_in_korean_and_english() -> None:
    data = _weekly("3113013", "road_damage", [12, 4, 4, 4, 4]) + _weekly("3113051", "noise", [5, 4, 6, 5, 5])
    alerts = trend_alerts(data, T0, district_names=NAMES)
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.district_code, alert.category, alert.this_week) == ("3113013", "road_damage", 12)
    assert alert.baseline_per_week == 4.0 and alert.ratio == 3.0 and alert.p_value < 0.01
    assert "화도읍" in alert.message_ko and "3.0배" in alert.message_ko
    assert "Hwado-eup" in alert.message_en and "3.0 times" in alert.message_en


@pytest.mark.parametrize(
    ("counts", "kwargs", "alerts"),
    [
        ([4, 1, 0, 0, 1], {}, 0),  # below the minimum count
        ([8, 6, 5, 7, 6], {}, 0),  # no real rise
        ([6, 0, 0, 0, 0], {}, 1),  # new: none before
        ([12, 4, 4, 4, 4], {"min_ratio": 4.0}, 0),
        ([12, 4, 4, 4, 4], {"alpha": 1e-9}, 0),
    ],
)
def test_alert_thresholds(counts: list[int], kwargs: dict, alerts: int) -> None:
    found = trend_alerts(_weekly("3113013", "road_damage", counts), T0, **kwargs)
    assert len(found) == alerts
    if found and counts[1:] == [0, 0, 0, 0]:
        assert found[0].ratio == float("inf") and "none in the previous" in found[0].message_en


def test_bad_trend_settings() -> None:
    with pytest.raises(AiInputError):
        trend_alerts([], T0, min_ratio=1.0)

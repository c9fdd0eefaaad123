from __future__ import annotations

from datetime import timedelta

import pytest
from ai_support import T0, complaint

from maeul.services.complaints.ai import AiInputError, StatusEvent, complaint_mix, process_stats, similar_districts

MIX = {
    "A": {"street_light": 30, "road_damage": 10, "noise": 0},
    "B": {"street_light": 28, "road_damage": 12, "noise": 1},
    "C": {"street_light": 2, "road_damage": 5, "noise": 40},
    "D": {"street_light": 14, "road_damage": 6},
    "E": {"street_light": 3},  # too few complaints
}


def test_most_similar_districts_first() -> None:
    found = similar_districts(MIX, "A", top_k=3, min_total=10)
    assert [m.district_code for m in found] == ["D", "B", "C"]
    assert found[0].similarity == pytest.approx(1.0, abs=0.01) and found[-1].similarity < 0.3


def test_an_action_is_suggested_where_its_category_matters() -> None:
    names = {"A": ("별내동", "Byeollae-dong"), "B": ("호평동", "Hopyeong-dong")}
    found = similar_districts(
        MIX,
        "A",
        category="street_light",
        min_total=10,
        district_names=names,
        action=("가로등 증설", "new street lights"),
    )
    assert [m.district_code for m in found] == ["D", "B"]  # C has too small a share of street lights
    b = found[1]
    assert b.category_share == pytest.approx(28 / 41)
    assert "호평동" in b.message_ko and "가로등 증설" in b.message_ko and "new street lights" in b.message_en


@pytest.mark.parametrize(("district", "top_k"), [("Z", 3), ("A", 0)])
def test_bad_similarity_input(district: str, top_k: int) -> None:
    with pytest.raises(AiInputError):
        similar_districts(MIX, district, top_k=top_k)


def test_complaint_mix_counts_by_district_and_category() -> None:
    complaints = [
        complaint("1", "noise", 37.6, 127.2, district="A"),
        complaint("2", "noise", 37.6, 127.2, district="A"),
        complaint("3", "road_damage", 37.6, 127.2, district="B"),
        complaint("4", "road_damage", 37.6, 127.2),
    ]
    assert complaint_mix(complaints) == {"A": {"noise": 2}, "B": {"road_damage": 1}}


def _events(request: str, steps: list[tuple[str, float, str]], category: str = "road_damage") -> list[StatusEvent]:
    return [StatusEvent(request, T0 + timedelta(hours=h), status, dept, category) for status, h, dept in steps]


def test_process_stats_by_department_and_category_with_bottleneck() -> None:
    events = [
        *_events("r1", [("received", 0, "roads"), ("assigned", 2, "roads"), ("resolved", 10, "roads")]),
        *_events(
            "r2",
            [
                ("received", 0, "traffic"),
                ("assigned", 50, "roads"),
                ("in_progress", 52, "roads"),
                ("closed", 60, "roads"),
            ],
        ),
        *_events("r3", [("received", 0, "waste"), ("accepted", 1, "waste")], category="illegal_dumping"),
        *_events("dup", [("received", 0, "roads"), ("duplicate", 1, "roads")]),
    ]
    deadlines = {"r1": T0 + timedelta(days=7), "r2": T0 + timedelta(hours=48), "r3": T0 + timedelta(hours=24)}
    report = process_stats(events, T0 + timedelta(hours=100), deadlines=deadlines)
    roads = {s.key: s for s in report.by_department}["roads"]
    assert (roads.requests, roads.finished, roads.transfers) == (2, 2, 1)
    assert roads.median_hours == 35.0 and roads.p90_hours == pytest.approx(55.0)
    assert roads.overdue == 1 and roads.overdue_share == 0.5
    waste = {s.key: s for s in report.by_department}["waste"]
    assert (waste.finished, waste.median_hours, waste.overdue) == (0, None, 1)  # still open after its deadline
    assert {s.key for s in report.by_category} == {"road_damage", "illegal_dumping"}
    steps = {s.status: s for s in report.steps}
    assert steps["accepted"].total_hours == 99.0 and report.bottlenecks == ("accepted",)
    assert report.department_bottlenecks["traffic"] == "received"
    assert report.overall is not None and report.overall.requests == 3
    assert sum(s.share for s in report.steps) == pytest.approx(1.0, abs=1e-3)


def test_process_stats_without_events_and_naive_times() -> None:
    empty = process_stats([], T0)
    assert empty.by_department == () and empty.bottlenecks == ()
    with pytest.raises(AiInputError):
        process_stats([StatusEvent("r", T0.replace(tzinfo=None), "received")], T0)

"""Time-based kinds: no data and no activity (ticks and reading gaps), schedule windows in Asia/Seoul."""

from __future__ import annotations

import pytest
from rules_support import T0, at, make_rule, play, r, run, seoul, summary, tick

from maeul.core.readings import Reading
from maeul.core.rules import Cleared, NoActivity, NoData, Raised, Schedule, Tick, Truth, step
from maeul.core.rules.schedule import window_truth

SILENT_30MIN = NoData(1800)


@pytest.mark.parametrize(
    ("name", "condition", "script", "expected"),
    [
        ("silent 30 min: starts at last seen + 30 min", SILENT_30MIN, [r(0, 1), tick(29), tick(30)], [("raise", 30)]),
        ("a late tick still starts at last seen + 30 min", SILENT_30MIN, [r(0, 1), tick(75)], [("raise", 30)]),
        ("the next reading ends it", SILENT_30MIN, [r(0, 1), tick(31), tick(40), r(45, 1)],
         [("raise", 30), ("clear", 45)]),
        ("raises once over many ticks", SILENT_30MIN, [r(0, 1), tick(31), tick(32), tick(90)], [("raise", 30)]),
        ("regular data: nothing", SILENT_30MIN, [r(0, 1), tick(20), r(25, 1), tick(50), r(54, 1), tick(80)], []),
        ("a gap seen only by readings: raised and cleared", SILENT_30MIN, [r(0, 1), r(100, 1)],
         [("raise", 30), ("clear", 100)]),
        ("a device never seen is not silent", SILENT_30MIN, [tick(100)], []),
        ("per key: other keys do not count", NoData(1800, key="t"),
         [r(0, 1), r(10, 50, key="h"), r(20, 50, key="h"), tick(31), r(35, 50, key="h"), r(40, 1)],
         [("raise", 30), ("clear", 40)]),
        ("any key counts for the device", SILENT_30MIN, [r(0, 1), r(20, 50, key="h"), tick(45), tick(50)],
         [("raise", 50)]),
    ],
)  # fmt: skip
def test_no_data(name: str, condition: NoData, script: list, expected: list) -> None:
    assert play(condition, script) == expected, name


NO_MOTION_1H = NoActivity("motion", 3600)


@pytest.mark.parametrize(
    ("name", "condition", "script", "expected"),
    [
        ("no motion for an hour", NO_MOTION_1H,
         [r(0, 1, "motion"), r(10, 0, "motion"), r(40, 0, "motion"), tick(59), tick(60), tick(61)], [("raise", 60)]),
        ("motion ends it", NO_MOTION_1H, [r(0, 1, "motion"), tick(70), r(72, 0, "motion"), r(75, 2, "motion")],
         [("raise", 60), ("clear", 75)]),
        ("inactive readings are not activity", NO_MOTION_1H,
         [r(0, 1, "motion"), r(30, 0, "motion"), r(90, 0, "motion")],
         [("raise", 60)]),
        ("never active: measured from the first reading", NO_MOTION_1H, [r(0, 0, "motion"), tick(60)], [("raise", 60)]),
        ("activity keeps it quiet", NO_MOTION_1H, [r(0, 1, "motion"), r(50, 1, "motion"), tick(100)], []),
        ("custom activity: power at least 5 W", NoActivity("power", 3600, ">=", 5.0),
         [r(0, 5, "power"), r(30, 4.9, "power"), tick(60), r(65, 20, "power")], [("raise", 60), ("clear", 65)]),
    ],
)  # fmt: skip
def test_no_activity(name: str, condition: NoActivity, script: list, expected: list) -> None:
    assert play(condition, script) == expected, name


def test_no_activity_learns_activity_from_the_latest_values_table() -> None:
    rule = make_rule(NO_MOTION_1H)
    state, out = step(rule, None, r(0, 1, "motion"), at(0))
    state, out = step(rule, state, Tick(at(61), at(0)), at(61))
    assert summary(out) == [("raise", 60)]
    # A motion reading that reached the table without passing through this rule's ingest step.
    table = {"motion": Reading("motion", at(70), 1.0)}
    state, out = step(rule, state, Tick(at(80), at(70), table), at(80))
    assert summary(out) == [("clear", 70)]


def test_silence_details() -> None:
    out, _ = run(make_rule(NoData(5400, key="t")), [r(0, 1), tick(100), r(101, 1)])
    raised, cleared = out
    assert isinstance(raised, Raised) and isinstance(cleared, Cleared)
    assert raised.details["en"] == "no t data for 1 h 30 min"
    assert raised.details["ko"] == "1시간 30분 동안 t 데이터 없음"
    assert raised.details["values"] == {"key": "t", "last_seen_ts": T0, "silent_s": 5400}
    assert cleared.end_ts == at(101)


NIGHTS = Schedule((1, 2, 3, 4, 5), "22:00", "06:00")  # weekday nights, Asia/Seoul


@pytest.mark.parametrize(
    ("name", "schedule", "when", "expected"),
    [
        ("Monday 23:00 is inside Monday's night", NIGHTS, seoul(2026, 3, 2, 23), Truth(True, seoul(2026, 3, 2, 22))),
        ("Monday 22:00 starts it", NIGHTS, seoul(2026, 3, 2, 22), Truth(True, seoul(2026, 3, 2, 22))),
        ("Tuesday 03:00 belongs to Monday's night", NIGHTS, seoul(2026, 3, 3, 3), Truth(True, seoul(2026, 3, 2, 22))),
        ("Tuesday 06:00 has ended it", NIGHTS, seoul(2026, 3, 3, 6), Truth(False, seoul(2026, 3, 3, 6))),
        ("Monday 21:59: the last night ended Saturday 06:00", NIGHTS, seoul(2026, 3, 2, 21, 59),
         Truth(False, seoul(2026, 2, 28, 6))),
        ("Monday 03:00: Sunday night is not listed", NIGHTS, seoul(2026, 3, 2, 3), Truth(False, seoul(2026, 2, 28, 6))),
        ("Saturday 02:00 belongs to Friday's night", NIGHTS, seoul(2026, 3, 7, 2), Truth(True, seoul(2026, 3, 6, 22))),
        ("Saturday 23:00 is not a weekday night", NIGHTS, seoul(2026, 3, 7, 23), Truth(False, seoul(2026, 3, 7, 6))),
        ("weekend days 09:00-18:00", Schedule((6, 7), "09:00", "18:00"), seoul(2026, 3, 8, 10),
         Truth(True, seoul(2026, 3, 8, 9))),
        ("weekend days end at 18:00", Schedule((6, 7), "09:00", "18:00"), seoul(2026, 3, 8, 18),
         Truth(False, seoul(2026, 3, 8, 18))),
        ("start == end is the whole day", Schedule((1,), "00:00", "00:00"), seoul(2026, 3, 2, 23, 59),
         Truth(True, seoul(2026, 3, 2))),
        ("time zones: 22:00-06:00 UTC is 07:00-15:00 in Seoul", Schedule((1,), "22:00", "06:00", "UTC"),
         seoul(2026, 3, 3, 7, 30), Truth(True, seoul(2026, 3, 3, 7))),
    ],
)  # fmt: skip
def test_schedule_window(name: str, schedule: Schedule, when: int, expected: Truth) -> None:
    assert window_truth(schedule, when) == expected, name

"""all / any: schedule gates, hold times inside combinations, nesting; start and end times of the combination."""

from __future__ import annotations

import pytest
from rules_support import play, r, tick

from maeul.core.rules import All, Any, NoData, Range, Schedule, Threshold

# T0 is Monday 12:00 in Seoul, so minute 600 is Monday 22:00 and minute 1080 is Tuesday 06:00.
NIGHTS = Schedule((1, 2, 3, 4, 5), "22:00", "06:00")
DOOR_OPEN_AT_NIGHT = All((NIGHTS, Threshold("door", ">", 0.0)))
COLD_30MIN_AT_NIGHT = All((NIGHTS, Threshold("temp", "<", 5.0, clear_value=6.0, hold_s=1800)))


@pytest.mark.parametrize(
    ("name", "condition", "script", "expected"),
    [
        ("door opened at night", DOOR_OPEN_AT_NIGHT, [r(660, 1, "door"), r(670, 0, "door")],
         [("raise", 660), ("clear", 670)]),
        ("door opened in the evening: raised when the night starts", DOOR_OPEN_AT_NIGHT,
         [r(540, 1, "door"), tick(590), tick(601), r(620, 0, "door")], [("raise", 600), ("clear", 620)]),
        ("door still open at dawn: cleared when the night ends", DOOR_OPEN_AT_NIGHT,
         [r(660, 1, "door"), tick(1000), tick(1085)], [("raise", 660), ("clear", 1080)]),
        ("door opened by day: nothing", DOOR_OPEN_AT_NIGHT, [r(100, 1, "door"), r(200, 0, "door"), tick(300)], []),
        ("cold held 30 min at night", COLD_30MIN_AT_NIGHT,
         [r(610, 3, "temp"), r(620, 4, "temp"), tick(639), tick(640)], [("raise", 610)]),
        ("cold since the evening: starts with the night", COLD_30MIN_AT_NIGHT, [r(480, 3, "temp"), tick(601)],
         [("raise", 600)]),
        ("cold but the hold broken by a warm reading", COLD_30MIN_AT_NIGHT,
         [r(610, 3, "temp"), r(625, 7, "temp"), r(630, 3, "temp"), tick(655), tick(660)], [("raise", 630)]),
        ("hysteresis inside the combination", COLD_30MIN_AT_NIGHT,
         [r(610, 3, "temp"), r(650, 5.5, "temp"), r(660, 6.5, "temp")], [("raise", 610), ("clear", 660)]),
        ("any: too hot or silent", Any((Threshold("t", ">", 30.0), NoData(1800))),
         [r(0, 31), r(5, 25), tick(40), r(50, 25)], [("raise", 0), ("clear", 5), ("raise", 35), ("clear", 50)]),
        ("any: one of them still true keeps it raised", Any((Threshold("t", ">", 30.0), Range("h", 20.0, 80.0))),
         [r(0, 31), r(1, 90, "h"), r(2, 25), r(3, 50, "h")], [("raise", 0), ("clear", 3)]),
        ("any with a hold inside", Any((Threshold("t", ">", 30.0, hold_s=600), Range("h", 20.0, 80.0))),
         [r(0, 31), tick(5), r(6, 90, "h"), r(7, 50, "h"), tick(10)], [("raise", 6), ("clear", 7), ("raise", 7)]),
        ("nested: at night, too cold or too hot",
         All((NIGHTS, Any((Threshold("t", "<", 5.0), Threshold("t", ">", 30.0))))),
         [r(500, 31), tick(600), r(700, 20), r(800, 2)], [("raise", 600), ("clear", 700), ("raise", 800)]),
    ],
)  # fmt: skip
def test_combinations(name: str, condition: All | Any, script: list, expected: list) -> None:
    assert play(condition, script) == expected, name

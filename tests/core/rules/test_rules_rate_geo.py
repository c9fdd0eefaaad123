"""Rate of change over a time window, and geofences (inside and outside a polygon)."""

from __future__ import annotations

import pytest
from rules_support import batch, make_rule, play, r, run, summary

from maeul.core.rules import Geofence, RateOfChange, parse_condition
from maeul.core.rules.rate import MAX_SAMPLES
from maeul.core.rules.registry import evaluator_for

RISE_5_IN_10MIN = RateOfChange("t", 600, 5.0, "rising")


@pytest.mark.parametrize(
    ("name", "condition", "script", "expected"),
    [
        ("rose by 6 within 4 min", RISE_5_IN_10MIN, [r(0, 10), r(2, 12), r(4, 16), r(6, 16.5)], [("raise", 4)]),
        ("ends when the window no longer holds the low", RISE_5_IN_10MIN,
         [r(0, 10), r(2, 12), r(4, 16), r(6, 16.5), r(12, 17)], [("raise", 4), ("clear", 12)]),
        ("a slow rise is not a fast one", RISE_5_IN_10MIN, [r(0, 10), r(10, 13), r(20, 16), r(30, 19)], []),
        ("exactly max_delta is not more", RISE_5_IN_10MIN, [r(0, 10), r(5, 15)], []),
        ("rising ignores falls", RISE_5_IN_10MIN, [r(0, 20), r(1, 10)], []),
        ("falling", RateOfChange("t", 300, 5.0, "falling"), [r(0, 20), r(3, 14), r(9, 14)],
         [("raise", 3), ("clear", 9)]),
        ("abs sees both ways", RateOfChange("t", 300, 5.0), [r(0, 20), r(1, 14), r(7, 14), r(8, 20)],
         [("raise", 1), ("clear", 7), ("raise", 8)]),
        ("the window edge is inclusive", RISE_5_IN_10MIN, [r(0, 10), r(10, 15.5)], [("raise", 10)]),
    ],
)  # fmt: skip
def test_rate_of_change(name: str, condition: RateOfChange, script: list, expected: list) -> None:
    assert play(condition, script) == expected, name


def test_rate_state_stays_small_on_a_long_ramp() -> None:
    # Every 10 s for 2 h, rising 0.01 per second: 36 per hour, limit 30 per hour → true from 3010 s on.
    rule = make_rule(RateOfChange("t", 3600, 30.0, "rising"))
    transitions, state = run(rule, [r(i * 10 / 60, i * 0.1) for i in range(720)])
    assert summary(transitions) == [("raise", 3010 / 60)]
    assert state is not None and isinstance(state.cond, dict)
    assert isinstance(state.cond["lows"], list) and len(state.cond["lows"]) <= MAX_SAMPLES


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[127.0, 37.5], [127.1, 37.5], [127.1, 37.6], [127.0, 37.6], [127.0, 37.5]]],
}
WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[127.0, 37.5], [127.1, 37.5], [127.1, 37.6], [127.0, 37.6], [127.0, 37.5]],
        [[127.04, 37.54], [127.06, 37.54], [127.06, 37.56], [127.04, 37.56], [127.04, 37.54]],
    ],
}


def pos(minutes: float, lon: float, lat: float) -> list:
    return batch((minutes, {"lon": lon, "lat": lat}))


@pytest.mark.parametrize(
    ("name", "spec", "script", "expected"),
    [
        ("leaving the area (wandering)", {"polygon": SQUARE, "inside": False},
         [pos(0, 127.05, 37.55), pos(1, 127.2, 37.55), pos(2, 127.3, 37.55), pos(3, 127.05, 37.55)],
         [("raise", 1), ("clear", 3)]),
        ("entering a danger zone", {"polygon": SQUARE, "inside": True},
         [pos(0, 127.2, 37.55), pos(1, 127.05, 37.55), pos(2, 127.2, 37.55)], [("raise", 1), ("clear", 2)]),
        ("the boundary counts as inside", {"polygon": SQUARE, "inside": False}, [pos(0, 127.1, 37.55)], []),
        ("a hole is outside", {"polygon": WITH_HOLE, "inside": False}, [pos(0, 127.02, 37.52), pos(1, 127.05, 37.55)],
         [("raise", 1)]),
        # From above the square to its right: applied one key at a time, the position would pass through the
        # inside (127.05, 37.55) and clear and raise again; one instant's keys are applied together.
        ("longitude and latitude of one instant together", {"polygon": SQUARE, "inside": False},
         [pos(0, 127.05, 37.7), pos(1, 127.2, 37.55)], [("raise", 0)]),
        ("a position needs both keys", {"polygon": SQUARE, "inside": False}, [r(0, 127.2, key="lon")], []),
        ("custom keys", {"polygon": SQUARE, "lon_key": "x", "lat_key": "y", "inside": False},
         [batch((0, {"x": 127.2, "y": 37.55}))], [("raise", 0)]),
    ],
)  # fmt: skip
def test_geofence(name: str, spec: dict, script: list, expected: list) -> None:
    assert play({"kind": "geofence", **spec}, script) == expected, name


def test_geofence_details() -> None:
    cond = parse_condition({"kind": "geofence", "polygon": SQUARE, "inside": False}, "condition")
    assert isinstance(cond, Geofence)
    out, _ = run(make_rule(cond), [pos(0, 127.2, 37.55)])
    assert out[0].details["en"] == "position (127.2, 37.55) is outside the area"
    assert out[0].details["ko"] == "위치 (127.2, 37.55): 구역 밖"
    evaluator = evaluator_for(cond)
    assert evaluator.truth(cond, evaluator.initial(cond), 0).active is False

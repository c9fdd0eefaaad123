"""Threshold and range: edge-triggered raising, hysteresis, hold times by reading time and by ticks."""

from __future__ import annotations

import pytest
from rules_support import T0, at, make_rule, play, r, run, summary, tick

from maeul.core.rules import Raised, Range, Threshold, step

HOT = Threshold("t", ">", 30.0, clear_value=28.0)
HOT_10MIN = Threshold("t", ">", 30.0, clear_value=28.0, hold_s=600)


@pytest.mark.parametrize(
    ("name", "condition", "script", "expected"),
    [
        ("stays true: raises once", HOT, [r(0, 31), r(1, 32), r(2, 33)], [("raise", 0)]),
        ("hysteresis: 31 29 31 raise once, no clear", HOT, [r(0, 31), r(1, 29), r(2, 31)], [("raise", 0)]),
        ("hysteresis: 27 clears", HOT, [r(0, 31), r(1, 29), r(2, 31), r(3, 27)], [("raise", 0), ("clear", 3)]),
        ("the clear level itself ends a > condition", HOT, [r(0, 31), r(1, 28)], [("raise", 0), ("clear", 1)]),
        ("below the threshold never raises", HOT, [r(0, 29), r(1, 30), r(2, 29.9)], []),
        ("raises again after clearing", HOT, [r(0, 31), r(1, 27), r(2, 31)],
         [("raise", 0), ("clear", 1), ("raise", 2)]),
        ("no clear value: clears below the threshold", Threshold("t", ">", 30.0), [r(0, 31), r(1, 30)],
         [("raise", 0), ("clear", 1)]),
        (">= includes the threshold", Threshold("t", ">=", 30.0), [r(0, 30), r(1, 29.99)],
         [("raise", 0), ("clear", 1)]),
        ("< with clear above: 4 6 8", Threshold("t", "<", 5.0, clear_value=7.0), [r(0, 4), r(1, 6), r(2, 8)],
         [("raise", 0), ("clear", 2)]),
        ("<= stays at the clear level, ends past it", Threshold("t", "<=", 5.0, clear_value=7.0),
         [r(0, 5), r(1, 7), r(2, 7.5)], [("raise", 0), ("clear", 2)]),
        ("text values are ignored", HOT, [r(0, 31), r(1, "error"), r(2, 29)], [("raise", 0)]),
        ("other keys are ignored", HOT, [r(0, 31), r(1, 10, key="humidity")], [("raise", 0)]),
    ],
)  # fmt: skip
def test_threshold(name: str, condition: Threshold, script: list, expected: list) -> None:
    assert play(condition, script) == expected, name


@pytest.mark.parametrize(
    ("name", "script", "expected"),
    [
        ("held for 10 min: starts when the condition began", [r(m, 31) for m in range(12)], [("raise", 0)]),
        ("not held long enough", [r(0, 31), r(5, 31), r(9, 31), r(9.5, 20)], []),
        ("a dip past the clear level restarts the hold", [r(0, 31), r(5, 25), r(6, 31), r(15, 31), r(16, 31)],
         [("raise", 6)]),
        ("hysteresis applies during the hold", [r(0, 31), r(5, 29), r(10, 31)], [("raise", 0)]),
        ("a gap longer than the hold: the last value persisted", [r(0, 31), r(120, 31)], [("raise", 0)]),
        ("a gap longer than the hold, then below: raised and cleared", [r(0, 31), r(120, 20)],
         [("raise", 0), ("clear", 120)]),
        ("a tick completes the hold without new readings", [r(0, 31), tick(5), tick(10), r(11, 20)],
         [("raise", 0), ("clear", 11)]),
        ("a tick before the hold elapses does nothing", [r(0, 31), tick(9.9)], []),
        ("exactly the hold time counts", [r(0, 31), r(10, 31)], [("raise", 0)]),
        ("ticks do not raise twice", [r(0, 31), tick(10), tick(11), r(12, 31), tick(20)], [("raise", 0)]),
    ],
)  # fmt: skip
def test_threshold_hold(name: str, script: list, expected: list) -> None:
    assert play(HOT_10MIN, script) == expected, name


def test_hold_raises_at_the_reading_where_it_elapses_with_the_start_of_the_condition() -> None:
    rule = make_rule(HOT_10MIN)
    state = None
    emitted_at: list[int] = []
    for minute in range(15):
        state, transitions = step(rule, state, r(minute, 31), at(minute))
        emitted_at.extend(minute for _ in transitions)
        assert all(isinstance(t, Raised) and t.start_ts == T0 for t in transitions)
    assert emitted_at == [10]


@pytest.mark.parametrize(
    ("name", "condition", "script", "expected"),
    [
        ("above the range with hysteresis", Range("t", 10.0, 20.0, hysteresis=1.0),
         [r(0, 15), r(1, 21), r(2, 19.5), r(3, 18.9)], [("raise", 1), ("clear", 3)]),
        ("below the range with hysteresis", Range("t", 10.0, 20.0, hysteresis=1.0),
         [r(0, 9), r(1, 10.5), r(2, 11.5)], [("raise", 0), ("clear", 2)]),
        ("the bounds are inside the range", Range("t", 10.0, 20.0), [r(0, 10), r(1, 20)], []),
        ("from above to below stays raised", Range("t", 10.0, 20.0), [r(0, 25), r(1, 5), r(2, 15)],
         [("raise", 0), ("clear", 2)]),
        ("with a hold time", Range("t", 10.0, 20.0, hold_s=300), [r(0, 25), r(4, 25), r(5, 25), r(6, 15)],
         [("raise", 0), ("clear", 6)]),
        ("hold interrupted", Range("t", 10.0, 20.0, hold_s=300), [r(0, 25), r(4, 15), r(8, 25)], []),
    ],
)  # fmt: skip
def test_range(name: str, condition: Range, script: list, expected: list) -> None:
    assert play(condition, script) == expected, name


def test_details_in_english_and_korean() -> None:
    transitions, _ = run(make_rule(HOT_10MIN), [r(0, 31), r(10, 32), r(11, 27)])
    raised, cleared = transitions
    assert isinstance(raised, Raised)
    assert raised.severity == "major" and raised.alarm_type == "test_alarm" and raised.rule_id == "r1"
    # The hold elapsed while 31 was the latest value, before the reading of 32 arrived.
    assert raised.details["en"] == "t is 31 (limit > 30) for at least 10 min"
    assert raised.details["ko"] == "t 값 31 (기준 30 초과) (10분 이상 지속)"
    assert raised.details["values"] == {"key": "t", "value": 31.0, "limit": 30.0, "clear_value": 28.0}
    assert cleared.details["values"]["value"] == 27.0  # type: ignore[index]
    assert summary(transitions) == [("raise", 0), ("clear", 11)]

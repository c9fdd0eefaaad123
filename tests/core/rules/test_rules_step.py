"""``step`` itself: disabled and changed rules, late and future readings, state persistence, several rules."""

from __future__ import annotations

import json

from rules_support import T0, at, make_rule, r, summary

from maeul.core.readings import MAX_FUTURE_MS, Reading
from maeul.core.rules import (
    Cleared,
    NoData,
    Raised,
    RuleState,
    Threshold,
    Tick,
    initial_state,
    step,
    step_all,
)
from maeul.core.rules.state import fingerprint

HOT = Threshold("t", ">", 30.0, clear_value=28.0)


def test_disabling_a_rule_closes_its_alarm_and_stops_raising() -> None:
    on, off = make_rule(HOT), make_rule(HOT, enabled=False)
    state, out = step(on, None, r(0, 31), at(0))
    assert summary(out) == [("raise", 0)]
    state, out = step(off, state, r(5, 35), at(5))
    assert summary(out) == [("clear", 5)]
    assert isinstance(out[0], Cleared) and out[0].details["en"] == "rule disabled"
    assert out[0].details["ko"] == "규칙 비활성화"
    state, out = step(off, state, r(6, 36), at(6))
    assert out == []
    state, out = step(on, state, r(7, 36), at(7))  # re-enabled and still hot: a new alarm, from when the
    assert summary(out) == [("raise", 6)]  # disabled rule last looked


def test_a_changed_rule_closes_its_alarm_and_evaluates_afresh() -> None:
    state, out = step(make_rule(HOT), None, r(0, 31), at(0))
    assert summary(out) == [("raise", 0)]
    stricter = make_rule(Threshold("t", ">", 35.0))
    state, out = step(stricter, state, r(1, 32), at(1))
    assert summary(out) == [("clear", 1)]
    assert out[0].details["en"] == "rule changed"  # type: ignore[union-attr]
    assert state.fingerprint == fingerprint(stricter.condition)
    # The same parameters written differently (30 or 30.0) are the same rule.
    assert fingerprint(Threshold("t", ">", 30, 28)) == fingerprint(HOT)  # type: ignore[arg-type]


def test_a_damaged_condition_state_is_reset() -> None:
    state, _ = step(make_rule(HOT), None, r(0, 20), at(0))
    damaged = RuleState(state.fingerprint, {"on": "maybe"}, None, state.watermark)
    state, out = step(make_rule(HOT), damaged, r(1, 31), at(1))
    assert summary(out) == [("raise", 1)]


def test_late_readings_are_not_re_evaluated() -> None:
    rule = make_rule(HOT)
    state, _ = step(rule, None, r(10, 20), at(10))
    state, out = step(rule, state, r(5, 40), at(11))  # older than what the rule has seen
    assert out == [] and state.watermark == at(10)
    state, out = step(rule, state, r(10, 40), at(11))  # the same instant is not late
    assert summary(out) == [("raise", 10)]


def test_readings_from_a_clock_far_ahead_are_ignored() -> None:
    rule = make_rule(HOT)
    future = [Reading("t", at(0) + MAX_FUTURE_MS + 1, 40.0)]
    state, out = step(rule, None, future, at(0))
    assert out == [] and state.watermark is None
    state, out = step(rule, state, r(1, 31), at(1))  # and they did not block the readings that follow
    assert summary(out) == [("raise", 1)]


def test_a_batch_is_taken_in_timestamp_order() -> None:
    readings = [*r(3, 27), *r(1, 31), *r(2, 29)]
    _, out = step(make_rule(HOT), None, readings, at(3))
    assert summary(out) == [("raise", 1), ("clear", 3)]


def test_state_json_form() -> None:
    rule = make_rule(NoData(1800))
    state, _ = step(rule, None, r(0, 1), at(0))
    state, out = step(rule, state, Tick(at(40), at(0)), at(40))
    assert isinstance(out[0], Raised) and out[0].start_ts == at(30)
    document = json.loads(json.dumps(state.to_json()))
    assert document == {
        "v": 1,
        "fingerprint": fingerprint(rule.condition),
        "open_since": at(30),
        "watermark": at(0),
        "last_end": None,
        "cond": {"last_seen": T0},
    }
    assert RuleState.from_json(document) == state
    assert initial_state(rule.condition).to_json()["cond"] == {"last_seen": None}


def test_step_all_keeps_one_state_per_rule() -> None:
    rules = [make_rule(HOT, "hot"), make_rule(Threshold("t", "<", 0.0), "frozen"), make_rule(NoData(600), "silent")]
    states, out = step_all(rules, {}, r(0, 31), at(0))
    assert sorted(states) == ["frozen", "hot", "silent"] and [t.rule_id for t in out] == ["hot"]
    states, out = step_all(rules, states, r(20, -1), at(20))
    assert [(type(t).__name__, t.rule_id) for t in out] == [
        ("Cleared", "hot"),
        ("Raised", "frozen"),
        ("Raised", "silent"),  # the 20-minute gap: silent from minute 10 ...
        ("Cleared", "silent"),  # ... until this reading
    ]
    assert summary(out) == [("clear", 20), ("raise", 20), ("raise", 10), ("clear", 20)]

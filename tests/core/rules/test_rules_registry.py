"""Services register their own condition kinds through the same hook as the built-ins: a toy learned inactivity."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import pytest
from rules_support import SEOUL, r, run, seoul, summary, tick

from maeul.core.readings import Reading
from maeul.core.rules import (
    BUILTIN_KINDS,
    Description,
    Evaluator,
    Instant,
    RuleSpecError,
    Threshold,
    Tick,
    Truth,
    dump_rule,
    parse_rule,
    register_kind,
    registered_kinds,
    step,
    unregister_kind,
)
from maeul.core.rules.fields import Fields, JsonObject, JsonValue, as_number
from maeul.core.rules.fields import RuleSpecError as FieldsError
from maeul.core.rules.registry import lookup


@dataclass(frozen=True, slots=True)
class LearnedInactivity:
    """No activity for longer than usual: the care service learns the usual longest gap for each hour of the day."""

    kind: ClassVar[str] = "care.learned_inactivity"
    key: str
    usual_gap_s: tuple[int, ...]  # 24 values, by the local hour of the last activity
    factor: float = 1.5

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> LearnedInactivity:
        f = Fields(data, path)
        key, factor, gaps = f.text("key"), f.number("factor", 1.5), f.required("usual_gap_s")
        f.done()
        if not isinstance(gaps, list) or len(gaps) != 24 or not all(isinstance(g, int) and g > 0 for g in gaps):
            raise FieldsError(f.path("usual_gap_s"), "expected 24 positive whole numbers of seconds")
        return cls(key, tuple(int(g) for g in gaps), factor)  # type: ignore[arg-type]

    def to_json(self) -> JsonObject:
        return {"kind": self.kind, "key": self.key, "usual_gap_s": list(self.usual_gap_s), "factor": self.factor}


class LearnedInactivityEvaluator(Evaluator[LearnedInactivity, "int | None"]):
    """State: the time of the last activity."""

    def initial(self, cond: LearnedInactivity) -> int | None:
        return None

    def observe(self, cond: LearnedInactivity, state: int | None, instant: Instant) -> int | None:
        value = as_number(instant.values.get(cond.key))
        return instant.ts if value is not None and value > 0 else state

    def truth(self, cond: LearnedInactivity, state: int | None, at_ms: int) -> Truth:
        if state is None:
            return Truth(False)
        hour = datetime.fromtimestamp(state / 1000, SEOUL).hour
        deadline = state + int(cond.usual_gap_s[hour] * cond.factor * 1000)
        return Truth(True, deadline) if at_ms >= deadline else Truth(False, state)

    def describe(self, cond: LearnedInactivity, state: int | None) -> Description:
        return Description("quieter than usual", "평소보다 활동 없음", {"last_active_ts": state})

    def dump_state(self, cond: LearnedInactivity, state: int | None) -> JsonValue:
        return state

    def load_state(self, cond: LearnedInactivity, data: JsonValue) -> int | None:
        if data is not None and not isinstance(data, int):
            raise ValueError("expected a timestamp")
        return data


@pytest.fixture
def learned_kind() -> Iterator[str]:
    register_kind(LearnedInactivity.kind, LearnedInactivity.parse, LearnedInactivityEvaluator())
    yield LearnedInactivity.kind
    unregister_kind(LearnedInactivity.kind)


# By day (08:00-21:59) an hour without movement is usual; at night eight hours are.
GAPS = [8 * 3600 if hour < 8 or hour >= 22 else 3600 for hour in range(24)]
RULE = {
    "id": "quiet-home",
    "name": "평소보다 조용함",
    "alarm_type": "care.unusual_inactivity",
    "severity": "critical",
    "condition": {"kind": "care.learned_inactivity", "key": "motion", "usual_gap_s": GAPS, "factor": 1.5},
}


def test_a_service_kind_is_parsed_dumped_and_evaluated(learned_kind: str) -> None:
    assert learned_kind in registered_kinds()
    rule = parse_rule(RULE)
    assert isinstance(rule.condition, LearnedInactivity)
    assert parse_rule(dump_rule(rule)) == rule
    # T0 is noon: the usual gap is an hour, times 1.5 → quiet from 13:30; movement at 14:00 ends it.
    out, _ = run(rule, [r(0, 1, "motion"), tick(80), tick(95), r(120, 1, "motion")])
    assert summary(out) == [("raise", 90), ("clear", 120)]
    assert out[0].details["ko"] == "평소보다 활동 없음"


def test_a_service_kind_inside_a_combination(learned_kind: str) -> None:
    condition = {
        "kind": "all",
        "all": [RULE["condition"], {"kind": "threshold", "key": "temp", "op": "<", "value": 10}],
    }
    rule = parse_rule({**RULE, "condition": condition})
    # Last movement 23:00 → night: 8 h × 1.5 = 12 h → quiet from 11:00 the next day, and it is cold.
    last_move = seoul(2026, 3, 2, 23)
    state, out = step(rule, None, [Reading("motion", last_move, 1.0), Reading("temp", last_move, 8.0)], last_move)
    state, out = step(rule, state, Tick(seoul(2026, 3, 3, 10, 59), last_move), seoul(2026, 3, 3, 10, 59))
    assert out == []
    state, out = step(rule, state, Tick(seoul(2026, 3, 3, 11, 1), last_move), seoul(2026, 3, 3, 11, 1))
    assert [t.start_ts for t in out] == [seoul(2026, 3, 3, 11)]  # type: ignore[union-attr]


def test_service_kind_errors_carry_paths(learned_kind: str) -> None:
    with pytest.raises(RuleSpecError) as caught:
        parse_rule({**RULE, "condition": {**RULE["condition"], "usual_gap_s": [1, 2]}})  # type: ignore[dict-item]
    assert caught.value.path == "condition.usual_gap_s"


def test_unregistered_kinds_are_rejected_with_the_known_ones() -> None:
    with pytest.raises(RuleSpecError) as caught:
        parse_rule(RULE)
    assert caught.value.path == "condition.kind"
    assert "got 'care.learned_inactivity'" in caught.value.message and "threshold" in caught.value.message


def test_registration_rules(learned_kind: str) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_kind(learned_kind, LearnedInactivity.parse, LearnedInactivityEvaluator())
    register_kind(learned_kind, LearnedInactivity.parse, LearnedInactivityEvaluator(), replace=True)
    with pytest.raises(ValueError, match="lowercase"):
        register_kind("Care Kind", LearnedInactivity.parse, LearnedInactivityEvaluator())
    with pytest.raises(LookupError):
        lookup("nope")


def test_builtins_use_the_same_hook() -> None:
    assert set(BUILTIN_KINDS) <= set(registered_kinds())
    assert lookup("threshold").parser == Threshold.parse

"""Rule specs: the JSON form of every kind, validation errors with paths, and parse ∘ dump round trips."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from rules_strategies import ANY_HOLDS, ANY_VALUES, conditions, rules, trees

from maeul.core.rules import (
    All,
    Condition,
    Rule,
    RuleSpecError,
    Threshold,
    dump_condition,
    dump_rule,
    parse_condition,
    parse_rule,
    parse_rules,
)

SQUARE = [[[127.0, 37.5], [127.1, 37.5], [127.1, 37.6], [127.0, 37.6], [127.0, 37.5]]]

# The JSON form of each built-in kind, as dumped (every field present).
EXAMPLES: list[dict[str, object]] = [
    {"kind": "threshold", "key": "temperature", "op": ">", "value": 30.0, "clear_value": 28.0, "hold_s": 600},
    {"kind": "range", "key": "humidity", "low": 30.0, "high": 80.0, "hysteresis": 2.0, "hold_s": 0},
    {"kind": "rate_of_change", "key": "water_level", "per_s": 600, "max_delta": 10.0, "direction": "rising"},
    {"kind": "no_data", "silent_s": 1800, "key": None},
    {"kind": "no_activity", "key": "motion", "silent_s": 43200, "active_when": {"op": ">", "value": 0.0}},
    {"kind": "schedule", "days": ["mon", "tue", "wed", "thu", "fri"], "start": "22:00", "end": "06:00",
     "timezone": "Asia/Seoul"},
    {"kind": "geofence", "polygon": {"type": "Polygon", "coordinates": SQUARE}, "inside": False, "lon_key": "lon",
     "lat_key": "lat"},
    {"kind": "all", "all": [
        {"kind": "schedule", "days": ["sat", "sun"], "start": "00:00", "end": "00:00", "timezone": "Asia/Seoul"},
        {"kind": "any", "any": [{"kind": "threshold", "key": "t", "op": "<", "value": 5.0, "clear_value": None,
                                 "hold_s": 0},
                                {"kind": "no_data", "silent_s": 600, "key": "t"}]},
    ]},
]  # fmt: skip


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: str(e["kind"]))
def test_json_form_of_each_kind(example: dict[str, object]) -> None:
    assert dump_condition(parse_condition(example, "condition")) == example


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ({"kind": "threshold", "key": "t", "op": ">", "value": 30},
         {"kind": "threshold", "key": "t", "op": ">", "value": 30.0, "clear_value": None, "hold_s": 0}),
        ({"kind": "range", "key": "t", "low": 1, "high": 2},
         {"kind": "range", "key": "t", "low": 1.0, "high": 2.0, "hysteresis": 0.0, "hold_s": 0}),
        ({"kind": "rate_of_change", "key": "t", "per_s": 60, "max_delta": 1},
         {"kind": "rate_of_change", "key": "t", "per_s": 60, "max_delta": 1.0, "direction": "abs"}),
        ({"kind": "no_activity", "key": "door", "silent_s": 60},
         {"kind": "no_activity", "key": "door", "silent_s": 60, "active_when": {"op": ">", "value": 0.0}}),
        ({"kind": "schedule", "days": "weekends", "start": "09:00", "end": "24:00"},
         {"kind": "schedule", "days": ["sat", "sun"], "start": "09:00", "end": "00:00", "timezone": "Asia/Seoul"}),
        ({"kind": "schedule", "days": [7, "Mon", "mon"], "start": "09:00", "end": "10:00"},
         {"kind": "schedule", "days": ["mon", "sun"], "start": "09:00", "end": "10:00", "timezone": "Asia/Seoul"}),
        ({"kind": "schedule", "start": "09:00", "end": "10:00", "timezone": "UTC"},
         {"kind": "schedule", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "09:00",
          "end": "10:00", "timezone": "UTC"}),
        ({"kind": "geofence", "polygon": {"type": "Polygon", "coordinates": [SQUARE[0][:-1]]}},
         {"kind": "geofence", "polygon": {"type": "Polygon", "coordinates": SQUARE}, "inside": True, "lon_key": "lon",
          "lat_key": "lat"}),
    ],
)  # fmt: skip
def test_defaults_and_normalisation(short: dict[str, object], full: dict[str, object]) -> None:
    assert dump_condition(parse_condition(short, "condition")) == full


T = {"kind": "threshold", "key": "t", "op": ">", "value": 30}
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({**T, "op": "=>"}, "condition.op", "expected one of '>', '>=', '<', '<=', got '=>'"),
        ({**T, "value": None}, "condition.value", "required"),
        ({**T, "value": "30"}, "condition.value", "expected a finite number, got text"),
        ({**T, "value": True}, "condition.value", "expected a finite number, got true/false"),
        ({**T, "clear_value": 31}, "condition.clear_value", "must be at or below value 30 when op is >"),
        ({**T, "op": "<", "clear_value": 29}, "condition.clear_value", "must be at or above value 30 when op is <"),
        ({**T, "hold_s": -1}, "condition.hold_s", "must be at least 0 seconds"),
        ({**T, "hold_s": 1.5}, "condition.hold_s", "expected a whole number of seconds, got a number"),
        ({**T, "hold": 60}, "condition.hold",
         "unknown field (known fields: kind, clear_value, hold_s, key, op, value)"),
        ({**T, "key": " "}, "condition.key", "must not be empty"),
        ({**T, "key": 5}, "condition.key", "expected text, got a number"),
        ({"key": "t"}, "condition.kind", None),
        ({"kind": "thresh"}, "condition.kind", None),
        ([], "condition", "expected a condition object, got a list"),
        ({"kind": "all", "all": [T, {**T, "value": "x"}]}, "condition.all[1].value", None),
        ({"kind": "all", "all": [{"kind": "any", "any": [T, {"kind": "nope"}]}]}, "condition.all[0].any[1].kind", None),
        ({"kind": "all", "all": []}, "condition.all", "expected a non-empty list, got a list"),
        ({"kind": "any"}, "condition.any", "required"),
        ({"kind": "range", "key": "t", "low": 5, "high": 1}, "condition.high", "must be at or above low 5"),
        ({"kind": "range", "key": "t", "low": 0, "high": 10, "hysteresis": 6}, "condition.hysteresis", None),
        ({"kind": "rate_of_change", "key": "t", "per_s": 0, "max_delta": 1}, "condition.per_s", None),
        ({"kind": "rate_of_change", "key": "t", "per_s": 60, "max_delta": -1}, "condition.max_delta", None),
        ({"kind": "rate_of_change", "key": "t", "per_s": 60, "max_delta": 1, "direction": "up"},
         "condition.direction", None),
        ({"kind": "no_data", "silent_s": 0}, "condition.silent_s", "must be at least 1 seconds"),
        ({"kind": "no_activity", "key": "m", "silent_s": 60, "active_when": {"op": "~"}},
         "condition.active_when.op", None),
        ({"kind": "no_activity", "key": "m", "silent_s": 60, "active_when": {"value": 1, "x": 2}},
         "condition.active_when.x", None),
        ({"kind": "schedule", "start": "25:00", "end": "06:00"}, "condition.start", None),
        ({"kind": "schedule", "start": "22:00", "end": "6:00"}, "condition.end", None),
        ({"kind": "schedule", "days": ["mon", "xyz"], "start": "22:00", "end": "06:00"}, "condition.days[1]", None),
        ({"kind": "schedule", "days": [], "start": "22:00", "end": "06:00"}, "condition.days", None),
        ({"kind": "schedule", "start": "22:00", "end": "06:00", "timezone": "Mars/Base"}, "condition.timezone",
         "unknown time zone 'Mars/Base' (e.g. Asia/Seoul)"),
        ({"kind": "geofence", "polygon": {"type": "Point", "coordinates": [127, 37]}}, "condition.polygon", None),
        ({"kind": "geofence", "polygon": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}},
         "condition.polygon.coordinates[0]", "a ring needs at least three distinct positions"),
        ({"kind": "geofence", "polygon": {"type": "Polygon", "coordinates": [[[0, 0], [1, 100], [1, 0]]]}},
         "condition.polygon.coordinates[0][1]", None),
        ({"kind": "geofence", "polygon": {"type": "MultiPolygon", "coordinates": [SQUARE, [[[0, 0], "x"]]]}},
         "condition.polygon.coordinates[1][0][1]", None),
        ({"kind": "geofence", "polygon": BOWTIE}, "condition.polygon", None),
    ],
)  # fmt: skip
def test_condition_errors(data: object, path: str, message: str | None) -> None:
    with pytest.raises(RuleSpecError) as caught:
        parse_condition(data, "condition")
    assert caught.value.path == path
    if message is not None:
        assert caught.value.message == message
    assert str(caught.value).startswith(f"{path}: ")


RULE = {"id": "hot", "name": "더움", "alarm_type": "high_temperature", "severity": "major", "condition": T}


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({**RULE, "severity": "high"}, "severity"),
        ({k: v for k, v in RULE.items() if k != "id"}, "id"),
        ({**RULE, "enabled": "yes"}, "enabled"),
        ({**RULE, "condition": {"kind": "schedule", "start": "22:00", "end": "06:00"}}, "condition"),
        ({**RULE, "condition": {**T, "value": []}}, "condition.value"),
        ({**RULE, "extra": 1}, "extra"),
        ("hot", ""),
    ],
)
def test_rule_errors(data: object, path: str) -> None:
    with pytest.raises(RuleSpecError) as caught:
        parse_rule(data)
    assert caught.value.path == path


def test_rule_json_and_rule_lists() -> None:
    rule = parse_rule(RULE)
    assert rule == Rule("hot", "더움", "high_temperature", "major", Threshold("t", ">", 30.0))
    assert dump_rule(rule) == {**RULE, "enabled": True, "condition": dump_condition(rule.condition)}
    assert parse_rules([RULE, {**RULE, "id": "hot2"}])[1].id == "hot2"
    with pytest.raises(RuleSpecError) as caught:
        parse_rules([RULE, RULE])
    assert str(caught.value) == "rules[1].id: rule id 'hot' appears twice"
    with pytest.raises(RuleSpecError) as caught:
        parse_rules([RULE, {**RULE, "id": "b", "condition": {"kind": "all", "all": [T, {**T, "op": "!"}]}}])
    assert caught.value.path == "rules[1].condition.all[1].op"


def test_conditions_are_hashable_values() -> None:
    a = parse_condition({"kind": "all", "all": [T, EXAMPLES[6]]}, "c")
    b = parse_condition(json.loads(json.dumps({"kind": "all", "all": [T, EXAMPLES[6]]})), "c")
    assert a == b and hash(a) == hash(b) and isinstance(a, All)


@settings(max_examples=300)
@given(trees(conditions(ANY_VALUES, ANY_HOLDS)))
def test_condition_parse_dump_round_trip(condition: Condition) -> None:
    text = json.dumps(dump_condition(condition))
    assert parse_condition(json.loads(text), "condition") == condition


@settings(max_examples=200)
@given(rules)
def test_rule_parse_dump_round_trip(rule: Rule) -> None:
    text = json.dumps(dump_rule(rule), ensure_ascii=False)
    parsed = parse_rule(json.loads(text))
    assert parsed == rule
    assert dump_rule(parsed) == dump_rule(rule)

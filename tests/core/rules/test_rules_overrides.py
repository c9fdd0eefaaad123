"""Overrides: device > group > profile, deep merge of parameters, disabling, adding, and error paths."""

from __future__ import annotations

import pytest

from maeul.core.rules import (
    All,
    NoData,
    Range,
    RuleSpecError,
    Schedule,
    Threshold,
    merge_patch,
    parse_rules,
    resolve,
)

PROFILE = parse_rules(
    [
        {"id": "freezer-warm", "name": "냉동고 온도 높음", "alarm_type": "high_temperature", "severity": "major",
         "condition": {"kind": "threshold", "key": "temp", "op": ">", "value": -15, "clear_value": -17,
                       "hold_s": 600}},
        {"id": "door-night", "name": "야간 문 열림", "alarm_type": "door_open", "severity": "minor",
         "condition": {"kind": "all", "all": [
             {"kind": "schedule", "days": "weekdays", "start": "22:00", "end": "06:00"},
             {"kind": "threshold", "key": "door", "op": ">", "value": 0}]}},
        {"id": "offline", "name": "통신 두절", "alarm_type": "offline", "severity": "warning",
         "condition": {"kind": "no_data", "silent_s": 3600}},
    ]
)  # fmt: skip

EXTRA = {"name": "습도", "alarm_type": "humidity", "severity": "minor",
         "condition": {"kind": "range", "key": "humidity", "low": 20, "high": 80}}  # fmt: skip


def by_id(rules: list) -> dict:
    return {rule.id: rule for rule in rules}


def test_no_overrides_is_the_profile() -> None:
    assert resolve(PROFILE) == PROFILE


def test_device_over_group_over_profile() -> None:
    group = {"freezer-warm": {"condition": {"value": -12}}}
    device = {"freezer-warm": {"condition": {"value": -10, "clear_value": -11}}}
    assert by_id(resolve(PROFILE, group))["freezer-warm"].condition == Threshold("temp", ">", -12.0, -17.0, 600)
    assert by_id(resolve(PROFILE, group, device))["freezer-warm"].condition == Threshold("temp", ">", -10.0, -11.0, 600)
    assert by_id(resolve(PROFILE, {}, device))["freezer-warm"].condition == Threshold("temp", ">", -10.0, -11.0, 600)


def test_several_groups_apply_in_order_then_the_device() -> None:
    groups = [{"offline": {"condition": {"silent_s": 1800}}}, {"offline": {"condition": {"silent_s": 900}}}]
    assert by_id(resolve(PROFILE, groups))["offline"].condition == NoData(900)
    assert by_id(resolve(PROFILE, groups, {"offline": {"condition": {"key": "temp"}}}))["offline"].condition == NoData(
        900, "temp"
    )


def test_disable_and_re_enable() -> None:
    group = {"door-night": {"enabled": False}}
    assert by_id(resolve(PROFILE, group))["door-night"].enabled is False
    assert by_id(resolve(PROFILE, group, {"door-night": {"enabled": True}}))["door-night"].enabled is True


def test_null_resets_a_field_to_its_default() -> None:
    device = {"freezer-warm": {"condition": {"clear_value": None, "hold_s": None}}}
    assert by_id(resolve(PROFILE, {}, device))["freezer-warm"].condition == Threshold("temp", ">", -15.0)


def test_one_element_of_a_combination_by_position() -> None:
    device = {"door-night": {"condition": {"all": {"0": {"start": "23:00"}}}}}
    condition = by_id(resolve(PROFILE, {}, device))["door-night"].condition
    assert condition == All((Schedule((1, 2, 3, 4, 5), "23:00", "06:00"), Threshold("door", ">", 0.0)))


def test_a_different_kind_replaces_the_condition() -> None:
    device = {"freezer-warm": {"condition": {"kind": "range", "key": "temp", "low": -30, "high": -12}}}
    assert by_id(resolve(PROFILE, {}, device))["freezer-warm"].condition == Range("temp", -30.0, -12.0)


def test_adding_rules_keeps_the_profile_order_first() -> None:
    rules = resolve(PROFILE, {"humid": EXTRA}, {"humid": {"condition": {"high": 70}}, "second": EXTRA})
    assert [r.id for r in rules] == ["freezer-warm", "door-night", "offline", "humid", "second"]
    assert by_id(rules)["humid"].condition == Range("humidity", 20.0, 70.0)


@pytest.mark.parametrize(
    ("group", "device", "path"),
    [
        ({}, {"freezer-warm": {"condition": {"value": "warm"}}}, "device.freezer-warm.condition.value"),
        ({"freezer-warm": {"condition": {"hold": 1}}}, {}, "group.freezer-warm.condition.hold"),
        ([{}, {"offline": {"condition": {"silent_s": 0}}}], {}, "group[1].offline.condition.silent_s"),
        ({}, {"new-rule": {"name": "x"}}, "device.new-rule.alarm_type"),
        ({}, {"offline": {"id": "other"}}, "device.offline.id"),
        ({}, {"offline": "off"}, "device.offline"),
        ({}, {"door-night": {"condition": {"all": {"5": {"value": 1}}}}}, "device.door-night.condition.all[5]"),
        ({}, {"door-night": {"condition": {"all": {"1": {"op": "~"}}}}}, "device.door-night.condition.all[1].op"),
    ],
)
def test_override_errors_name_their_source(group: object, device: dict, path: str) -> None:
    with pytest.raises(RuleSpecError) as caught:
        resolve(PROFILE, group, device)  # type: ignore[arg-type]
    assert caught.value.path == path


def test_merge_patch_leaves_its_arguments_alone() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    patch = {"a": {"b": None, "c": {"1": 5}}, "e": {"f": 1}}
    assert merge_patch(base, patch) == {"a": {"c": [1, 5]}, "d": 1, "e": {"f": 1}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert merge_patch([1, 2], [3]) == [3]

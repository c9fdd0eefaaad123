"""Rule definitions: a rule raises an alarm of a type and severity while its condition holds.

JSON form (what profiles and overrides store)::

    {"id": "freezer-warm", "name": "냉동고 온도 높음", "alarm_type": "high_temperature", "severity": "major",
     "enabled": true,
     "condition": {"kind": "threshold", "key": "temperature", "op": ">", "value": -15, "clear_value": -17,
                   "hold_s": 600}}

The condition kinds are in ``conditions`` and ``combine`` (re-exported here); services add kinds through
``registry.register_kind``. A bare schedule is a gate, not a rule: combine it with another condition in ``all``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from maeul.core.rules.combine import All, Any
from maeul.core.rules.conditions import Geofence, NoActivity, NoData, Range, RateOfChange, Schedule, Threshold
from maeul.core.rules.events import SEVERITIES, Severity
from maeul.core.rules.fields import Fields, JsonObject, JsonValue, RuleSpecError, join, type_name
from maeul.core.rules.registry import Condition, dump_condition, parse_condition

__all__ = [
    "All",
    "Any",
    "Condition",
    "Geofence",
    "NoActivity",
    "NoData",
    "Range",
    "RateOfChange",
    "Rule",
    "RuleSpecError",
    "Schedule",
    "Severity",
    "Threshold",
    "dump_condition",
    "dump_rule",
    "dump_rules",
    "parse_condition",
    "parse_rule",
    "parse_rules",
]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    alarm_type: str
    severity: Severity
    condition: Condition
    enabled: bool = True


def parse_rule(data: object, path: str = "") -> Rule:
    """A rule from its JSON object; RuleSpecError's path names the field (``condition.all[1].value``)."""
    f = Fields(data, path)
    rule_id, name, alarm_type = f.text("id"), f.text("name"), f.text("alarm_type")
    severity = f.choice("severity", SEVERITIES)
    enabled = f.flag("enabled", True)
    condition = parse_condition(f.required("condition"), f.path("condition"))
    f.done()
    if condition.kind == "schedule":
        raise RuleSpecError(
            f.path("condition"), "a schedule only gates other conditions: combine it with one in an 'all' condition"
        )
    return Rule(rule_id, name, alarm_type, severity, condition, enabled)


def dump_rule(rule: Rule) -> JsonObject:
    return {
        "id": rule.id,
        "name": rule.name,
        "alarm_type": rule.alarm_type,
        "severity": rule.severity,
        "enabled": rule.enabled,
        "condition": dump_condition(rule.condition),
    }


def parse_rules(data: object, path: str = "rules") -> list[Rule]:
    """A list of rules (a profile's), with unique ids."""
    if not isinstance(data, list):
        raise RuleSpecError(path, f"expected a list of rules, got {type_name(data)}")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        rule = parse_rule(item, f"{path}[{i}]")
        if rule.id in seen:
            raise RuleSpecError(join(f"{path}[{i}]", "id"), f"rule id {rule.id!r} appears twice")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def dump_rules(rules: Sequence[Rule]) -> list[JsonValue]:
    return [dump_rule(r) for r in rules]

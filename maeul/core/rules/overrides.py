"""Per-group and per-device overrides of a profile's rules. Precedence: device > group > profile.

Overrides are JSON objects keyed by rule id. For a rule the profile (or a group) has, the override is deep-merged
into the rule's JSON: objects merge field by field, ``null`` removes a field (back to its default), other values
replace; a list is replaced, unless the override gives an object keyed by list positions
(``{"condition": {"all": {"1": {"value": 28}}}}`` changes only the second condition); a condition with a different
``kind`` replaces the condition. ``{"enabled": false}`` disables a rule. An id the rule set does not have adds a
rule, and the override must then be a complete rule. Example for one household::

    {"freezer-warm": {"condition": {"value": -12, "hold_s": 1200}}, "door-night": {"enabled": false}}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from maeul.core.rules.fields import JsonObject, JsonValue, RuleSpecError, join, type_name
from maeul.core.rules.spec import Rule, dump_rule, parse_rule

Overrides = Mapping[str, Mapping[str, JsonValue]]


def merge_patch(base: JsonValue, patch: JsonValue, path: str = "") -> JsonValue:
    """``base`` with ``patch`` deep-merged in (see the module's description); neither argument is modified."""
    if not isinstance(patch, dict):
        return patch
    if isinstance(base, list) and patch and all(k.isdigit() for k in patch):
        items = list(base)
        for key, value in patch.items():
            index = int(key)
            if index >= len(items):
                raise RuleSpecError(f"{path}[{index}]", f"the list has only {len(items)} elements")
            items[index] = merge_patch(items[index], value, f"{path}[{index}]")
        return items
    if not isinstance(base, dict) or ("kind" in patch and "kind" in base and patch["kind"] != base["kind"]):
        base = {}
    merged: JsonObject = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value, join(path, key))
    return merged


def resolve(
    profile_rules: Sequence[Rule],
    group_overrides: Overrides | Sequence[Overrides] = (),
    device_overrides: Overrides | None = None,
) -> list[Rule]:
    """A device's effective rules: the profile's, then each group's overrides in order, then the device's own.

    Disabled rules stay in the list (``enabled=False``) so that ``step`` can close their open alarms. Rules keep
    the profile's order; added rules follow in the order they were added. RuleSpecError paths start with
    ``group.<rule id>`` (``group[i]`` for several groups) or ``device.<rule id>``.
    """
    groups = [group_overrides] if isinstance(group_overrides, Mapping) else list(group_overrides)
    layers = [(f"group[{i}]" if len(groups) > 1 else "group", g) for i, g in enumerate(groups)]
    if device_overrides is not None:
        layers.append(("device", device_overrides))
    documents: dict[str, JsonValue] = {rule.id: dump_rule(rule) for rule in profile_rules}
    rules: dict[str, Rule] = {rule.id: rule for rule in profile_rules}
    for where, overrides in layers:
        if not isinstance(overrides, Mapping):
            raise RuleSpecError(where, f"expected an object keyed by rule id, got {type_name(overrides)}")
        for rule_id, patch in overrides.items():
            path = join(where, rule_id)
            if not isinstance(patch, Mapping):
                raise RuleSpecError(path, f"expected an object, got {type_name(patch)}")
            if patch.get("id", rule_id) != rule_id:
                raise RuleSpecError(join(path, "id"), "an override cannot change a rule's id")
            base = documents.get(rule_id, {"id": rule_id})
            merged = merge_patch(base, dict(patch), path)
            rules[rule_id] = parse_rule(merged, path)
            documents[rule_id] = merged
    return list(rules.values())

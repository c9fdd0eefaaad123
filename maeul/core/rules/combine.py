"""Combinations: ``all`` (every condition true) and ``any`` (at least one), each child keeping its own state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from maeul.core.rules.events import Description, Instant, Tick, Truth
from maeul.core.rules.fields import Fields, JsonObject, JsonValue, state_object
from maeul.core.rules.registry import Condition, Evaluator, dump_condition, evaluator_for, parse_condition


def _parse_children(data: Mapping[str, JsonValue], path: str, field: str) -> tuple[Condition, ...]:
    f = Fields(data, path)
    items = f.items(field)
    f.done()
    return tuple(parse_condition(item, f"{f.path(field)}[{i}]") for i, item in enumerate(items))


@dataclass(frozen=True, slots=True)
class All:
    """True while every condition is true; JSON ``{"kind": "all", "all": [...]}``."""

    kind: ClassVar[str] = "all"
    conditions: tuple[Condition, ...]

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> All:
        return cls(_parse_children(data, path, "all"))

    def to_json(self) -> JsonObject:
        return {"kind": self.kind, "all": [dump_condition(c) for c in self.conditions]}


@dataclass(frozen=True, slots=True)
class Any:
    """True while at least one condition is true; JSON ``{"kind": "any", "any": [...]}``."""

    kind: ClassVar[str] = "any"
    conditions: tuple[Condition, ...]

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> Any:
        return cls(_parse_children(data, path, "any"))

    def to_json(self) -> JsonObject:
        return {"kind": self.kind, "any": [dump_condition(c) for c in self.conditions]}


Combination = All | Any
ChildStates = tuple[object, ...]


def combine_all(truths: Sequence[Truth]) -> Truth:
    """All true: since the last child became true. Otherwise false since the first true child stopped."""
    if all(t.active for t in truths):
        return Truth(True, max((t.since for t in truths if t.since is not None), default=None))
    return Truth(False, min((t.since for t in truths if not t.active and t.since is not None), default=None))


def combine_any(truths: Sequence[Truth]) -> Truth:
    """Any true: since the earliest true child became true. Otherwise false since the last one stopped."""
    if any(t.active for t in truths):
        return Truth(True, min((t.since for t in truths if t.active and t.since is not None), default=None))
    return Truth(False, max((t.since for t in truths if t.since is not None), default=None))


class CombinationEvaluator(Evaluator[Combination, ChildStates]):
    def initial(self, cond: Combination) -> ChildStates:
        return tuple(evaluator_for(c).initial(c) for c in cond.conditions)

    def observe(self, cond: Combination, state: ChildStates, instant: Instant) -> ChildStates:
        return tuple(evaluator_for(c).observe(c, s, instant) for c, s in zip(cond.conditions, state, strict=True))

    def tick(self, cond: Combination, state: ChildStates, tick: Tick) -> ChildStates:
        return tuple(evaluator_for(c).tick(c, s, tick) for c, s in zip(cond.conditions, state, strict=True))

    def truth(self, cond: Combination, state: ChildStates, at_ms: int) -> Truth:
        truths = [evaluator_for(c).truth(c, s, at_ms) for c, s in zip(cond.conditions, state, strict=True)]
        return combine_all(truths) if cond.kind == "all" else combine_any(truths)

    def describe(self, cond: Combination, state: ChildStates) -> Description:
        parts = [evaluator_for(c).describe(c, s) for c, s in zip(cond.conditions, state, strict=True)]
        en_join, ko_join = (" and ", " 그리고 ") if cond.kind == "all" else (" or ", " 또는 ")
        values: dict[str, JsonValue] = {}
        for part in parts:
            values.update(part.values)
        return Description(en_join.join(p.en for p in parts), ko_join.join(p.ko for p in parts), values)

    def dump_state(self, cond: Combination, state: ChildStates) -> JsonValue:
        children: list[JsonValue] = [
            evaluator_for(c).dump_state(c, s) for c, s in zip(cond.conditions, state, strict=True)
        ]
        return {"children": children}

    def load_state(self, cond: Combination, data: JsonValue) -> ChildStates:
        children = state_object(data).get("children")
        if not isinstance(children, list) or len(children) != len(cond.conditions):
            raise ValueError("combination state: children do not match the conditions")
        return tuple(evaluator_for(c).load_state(c, d) for c, d in zip(cond.conditions, children, strict=True))

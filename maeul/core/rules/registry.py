"""The registry of condition kinds: built-in kinds and services' own kinds are registered through the same hook.

A kind is three things: a ``kind`` name, a parser from a JSON object to a frozen condition, and an evaluator that
keeps a small per-device state for that condition and says whether the condition is true at a given time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from maeul.core.rules.events import Description, Instant, Tick, Truth
from maeul.core.rules.fields import JsonObject, JsonValue, RuleSpecError, join, type_name


class Condition(Protocol):
    """A parsed condition: a frozen value with a ``kind`` name that dumps itself to JSON (including ``kind``)."""

    @property
    def kind(self) -> str: ...

    def to_json(self) -> JsonObject: ...


C = TypeVar("C", bound=Condition)
C_contra = TypeVar("C_contra", bound=Condition, contravariant=True)
S = TypeVar("S")

Parser = Callable[[Mapping[str, JsonValue], str], C]
"""``parser(data, path)``: the condition, or RuleSpecError naming ``path`` or a field under it."""


class Evaluator(Protocol[C_contra, S]):
    """How one kind of condition is evaluated. Every method is pure: states are immutable values.

    ``observe`` takes one instant of readings (in timestamp order), ``tick`` takes what the scheduler knows,
    ``truth`` answers "is the condition true at ``at_ms``, and since when" for the time after the last event
    (time-based kinds use ``at_ms``; value kinds ignore it). States travel through JSON between events.
    Subclass this protocol to inherit the default ``tick`` (nothing to learn) and ``describe``.
    """

    def initial(self, cond: C_contra) -> S: ...

    def observe(self, cond: C_contra, state: S, instant: Instant) -> S: ...

    def tick(self, cond: C_contra, state: S, tick: Tick) -> S:
        return state

    def truth(self, cond: C_contra, state: S, at_ms: int) -> Truth: ...

    def describe(self, cond: C_contra, state: S) -> Description:
        kind = cond.kind
        return Description(f"condition {kind}", f"조건 {kind}")

    def dump_state(self, cond: C_contra, state: S) -> JsonValue: ...

    def load_state(self, cond: C_contra, data: JsonValue) -> S:
        """The state back from ``dump_state``; ValueError (or KeyError, TypeError) if it does not fit."""
        ...


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    parser: Parser[Condition]
    evaluator: Evaluator[Any, Any]


_KINDS: dict[str, Kind] = {}
_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


def register_kind(kind: str, parser: Parser[C], evaluator: Evaluator[C, S], *, replace: bool = False) -> None:
    """Make ``kind`` usable in rules. Services namespace their kinds (``care.learned_inactivity``)."""
    if not _NAME.fullmatch(kind):
        raise ValueError(f"kind {kind!r}: use lowercase letters, digits and _ , with dots between parts")
    if kind in _KINDS and not replace:
        raise ValueError(f"kind {kind!r} is already registered")
    _KINDS[kind] = Kind(kind, parser, evaluator)


def unregister_kind(kind: str) -> None:
    _KINDS.pop(kind, None)


def registered_kinds() -> tuple[str, ...]:
    return tuple(sorted(_KINDS))


def lookup(kind: str) -> Kind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"condition kind {kind!r} is not registered") from None


def evaluator_for(cond: Condition) -> Evaluator[Any, Any]:
    return lookup(cond.kind).evaluator


def parse_condition(data: object, path: str) -> Condition:
    """A condition from its JSON object, dispatched on ``kind``; RuleSpecError names the path of the problem."""
    if not isinstance(data, Mapping):
        raise RuleSpecError(path, f"expected a condition object, got {type_name(data)}")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _KINDS:
        known = ", ".join(registered_kinds())
        got = "nothing" if kind is None else repr(kind)
        raise RuleSpecError(join(path, "kind"), f"expected one of {known}, got {got}")
    cond = _KINDS[kind].parser(data, path)
    if cond.kind != kind:
        raise TypeError(f"the parser of kind {kind!r} returned a condition of kind {cond.kind!r}")
    return cond


def dump_condition(cond: Condition) -> JsonObject:
    """The condition's JSON object, ``kind`` first."""
    body = cond.to_json()
    return {"kind": cond.kind, **{k: v for k, v in body.items() if k != "kind"}}

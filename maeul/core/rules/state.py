"""A rule's state for one device: a small JSON value to keep in the database between events.

``open_since`` is the start of the open alarm (None: no alarm open) and ``last_end`` the end of the previous one
(a new alarm never starts before it, so one rule's alarms never overlap). ``watermark`` is the newest reading time the
rule has evaluated; older readings arriving later are not re-evaluated. ``cond`` is the condition's own state in
JSON (each kind's evaluator reads and writes it). ``fingerprint`` identifies the condition the state belongs to:
when a rule's parameters change (an override edited), ``step`` closes its open alarm and starts afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from maeul.core.rules.fields import JsonObject, JsonValue, state_int, type_name
from maeul.core.rules.registry import Condition, dump_condition, evaluator_for

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class RuleState:
    fingerprint: str
    cond: JsonValue = None
    open_since: int | None = None
    watermark: int | None = None
    last_end: int | None = None

    @property
    def is_open(self) -> bool:
        return self.open_since is not None

    def to_json(self) -> JsonObject:
        return {
            "v": STATE_VERSION,
            "fingerprint": self.fingerprint,
            "open_since": self.open_since,
            "watermark": self.watermark,
            "last_end": self.last_end,
            "cond": self.cond,
        }

    @classmethod
    def from_json(cls, data: object) -> RuleState:
        """The state back from ``to_json`` (after a trip through a JSON column); ValueError if it is not one."""
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            raise ValueError(f"rule state: expected an object with v={STATE_VERSION}, got {type_name(data)}")
        fp = data.get("fingerprint")
        if not isinstance(fp, str):
            raise ValueError("rule state: fingerprint missing")
        open_since, watermark, last_end = (state_int(data, k) for k in ("open_since", "watermark", "last_end"))
        return cls(fp, data.get("cond"), open_since, watermark, last_end)


def _canonical(value: JsonValue) -> JsonValue:
    """Whole floats as integers, so that 30 and 30.0 give one fingerprint."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _digest(cond: Condition) -> str:
    canonical = _canonical(dump_condition(cond))
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@lru_cache(maxsize=8192)
def _cached_digest(cond: Hashable) -> str:
    return _digest(cast(Condition, cond))


def fingerprint(cond: Condition) -> str:
    """A short hash of the condition's JSON; equal conditions share it."""
    try:
        return _cached_digest(cast(Hashable, cond))
    except TypeError:  # an unhashable custom condition
        return _digest(cond)


def initial_state(cond: Condition) -> RuleState:
    evaluator = evaluator_for(cond)
    return RuleState(fingerprint(cond), evaluator.dump_state(cond, evaluator.initial(cond)))

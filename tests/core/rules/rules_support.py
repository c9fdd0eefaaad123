"""Helpers for the rule tests: a frozen clock in minutes, compact event scripts and transition summaries."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from maeul.core.readings import Reading, Value
from maeul.core.rules import Cleared, Condition, Raised, Rule, RuleState, Tick, Transition, parse_condition, step

SEOUL = ZoneInfo("Asia/Seoul")
MIN = 60_000
KEY = "t"


def seoul(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    """Epoch milliseconds of a wall-clock time in Seoul."""
    return int(datetime(year, month, day, hour, minute, tzinfo=SEOUL).timestamp() * 1000)


T0 = seoul(2026, 3, 2, 12, 0)  # Monday 2 March 2026, noon in Seoul: the frozen clock's origin


def at(minutes: float) -> int:
    return T0 + round(minutes * MIN)


def r(minutes: float, value: Value | int, key: str = KEY) -> list[Reading]:
    """A batch of one reading at T0 + minutes."""
    return [Reading(key, at(minutes), value if isinstance(value, str) else float(value))]


def batch(*items: tuple[float, Mapping[str, Value | int]]) -> list[Reading]:
    """One batch: (minutes, {key: value}) pairs."""
    return [
        Reading(key, at(m), v if isinstance(v, str) else float(v)) for m, values in items for key, v in values.items()
    ]


def tick(minutes: float) -> Tick:
    """A scheduler tick at T0 + minutes; ``run`` fills in what the latest-values table would hold."""
    return Tick(at(minutes))


def make_rule(condition: Condition | Mapping[str, object], rule_id: str = "r1", enabled: bool = True) -> Rule:
    cond = condition if not isinstance(condition, Mapping) else parse_condition(dict(condition), "condition")
    return Rule(rule_id, "test rule", "test_alarm", "major", cond, enabled)


Event = list[Reading] | Tick


def run(
    rule: Rule, script: Sequence[Event], state: RuleState | None = None
) -> tuple[list[Transition], RuleState | None]:
    """Play events through ``step`` with a frozen clock (the event's own time), keeping a latest-values table for
    ticks and taking the state through JSON text between events, as a database would."""
    out: list[Transition] = []
    latest: dict[str, Reading] = {}
    for event in script:
        if isinstance(event, Tick):
            seen = max((x.ts for x in latest.values()), default=None)
            event = replace(event, last_seen_ms=seen, last_values=dict(latest))
            now = event.now_ms
        else:
            for reading in event:
                if reading.key not in latest or latest[reading.key].ts <= reading.ts:
                    latest[reading.key] = reading
            now = max(x.ts for x in event)
        state, transitions = step(rule, state, event, now)
        state = RuleState.from_json(json.loads(json.dumps(state.to_json())))
        out.extend(transitions)
    return out, state


def summary(transitions: Sequence[Transition]) -> list[tuple[str, float]]:
    """``[("raise", minutes), ("clear", minutes)]`` relative to T0."""
    out: list[tuple[str, float]] = []
    for t in transitions:
        if isinstance(t, Raised):
            out.append(("raise", (t.start_ts - T0) / MIN))
        elif isinstance(t, Cleared):
            out.append(("clear", (t.end_ts - T0) / MIN))
    return out


def play(condition: Condition | Mapping[str, object], script: Sequence[Event]) -> list[tuple[str, float]]:
    return summary(run(make_rule(condition), script)[0])

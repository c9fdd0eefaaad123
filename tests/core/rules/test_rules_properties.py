"""Properties over random rules and random event sequences: edge triggering, persistence, batching, fast path."""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from rules_strategies import conditions, trees
from rules_support import MIN, T0, make_rule

from maeul.core.readings import Reading
from maeul.core.rules import (
    Cleared,
    Condition,
    NoData,
    Raised,
    RuleState,
    Tick,
    silence_edges,
    step,
)

# A small world where conditions and readings meet: values 0..100, times of minutes to hours.
WORLD_VALUES = st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1))
WORLD_HOLDS = st.sampled_from([0, 0, 60, 300, 1800, 7200])
WORLD_CONDITIONS = trees(conditions(WORLD_VALUES, WORLD_HOLDS))


@dataclass(frozen=True)
class Step:
    advance_min: int  # minutes after the previous event (negative for a late reading)
    readings: dict[str, float] | None  # None: a tick


def _positions() -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries({"lon": st.floats(126.8, 127.4), "lat": st.floats(37.3, 37.8)})


steps = st.lists(
    st.builds(
        Step,
        st.sampled_from([0, 1, 1, 2, 5, 10, 30, 90, 600, -3]),
        st.none() | st.dictionaries(st.sampled_from(["t", "h", "motion"]), WORLD_VALUES, min_size=1) | _positions(),
    ),
    max_size=40,
)


def play(condition: Condition, script: list[Step], through_json: bool) -> list[tuple[int, object]]:
    """(index of the event, transition) for each transition; a latest-values table feeds the ticks."""
    rule = make_rule(condition)
    state: RuleState | None = None
    clock = T0
    latest: dict[str, Reading] = {}
    out: list[tuple[int, object]] = []
    for index, item in enumerate(script):
        clock += item.advance_min * MIN
        if item.readings is None:
            seen = max((r.ts for r in latest.values()), default=None)
            event: list[Reading] | Tick = Tick(clock, seen, dict(latest))
        else:
            event = [Reading(k, clock, v) for k, v in item.readings.items()]
            for reading in event:
                if reading.key not in latest or latest[reading.key].ts <= reading.ts:
                    latest[reading.key] = reading
        state, transitions = step(rule, state, event, clock)
        if through_json:
            document = state.to_json()
            state = RuleState.from_json(json.loads(json.dumps(document)))
            assert state.to_json() == document
        out.extend((index, t) for t in transitions)
    return out


@settings(max_examples=250, deadline=None)
@given(WORLD_CONDITIONS, steps)
def test_raised_and_cleared_alternate_with_ordered_times(condition: Condition, script: list[Step]) -> None:
    transitions = [t for _, t in play(condition, script, through_json=True)]
    kinds = [type(t) for t in transitions]
    assert kinds == [Raised, Cleared] * (len(kinds) // 2) + [Raised] * (len(kinds) % 2)
    previous_end: int | None = None
    start = 0
    for t in transitions:
        if isinstance(t, Raised):
            assert previous_end is None or t.start_ts >= previous_end
            start = t.start_ts
        elif isinstance(t, Cleared):
            assert t.end_ts >= start
            previous_end = t.end_ts


@settings(max_examples=120, deadline=None)
@given(WORLD_CONDITIONS, steps)
def test_state_through_json_changes_nothing(condition: Condition, script: list[Step]) -> None:
    assert play(condition, script, through_json=True) == play(condition, script, through_json=False)


@settings(max_examples=120, deadline=None)
@given(
    WORLD_CONDITIONS,
    st.lists(st.tuples(st.integers(1, 120), st.sampled_from(["t", "h", "motion"]), WORLD_VALUES), max_size=30),
)
def test_batching_does_not_matter(condition: Condition, items: list[tuple[int, str, float]]) -> None:
    """Readings at distinct times give the same alarms in one batch or one by one (within one instant of a batch,
    the keys are applied together, so two readings of one key at one time are not split)."""
    readings, clock = [], T0
    for advance, key, value in items:
        clock += advance * MIN
        readings.append(Reading(key, clock, value))
    rule = make_rule(condition)
    one_batch = step(rule, None, readings, clock)[1]
    one_by_one = []
    state = None
    for reading in readings:
        state, transitions = step(rule, state, [reading], reading.ts)
        one_by_one.extend(transitions)
    assert one_batch == one_by_one


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 600),  # first reading, minutes after T0
            st.integers(0, 600),  # an earlier tick, minutes after the reading
            st.none() | st.integers(0, 600),  # a later reading the table knows of, minutes after the first
            st.sampled_from([60, 1800, 3600, 7200]),  # silent_s
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 1500),
)
def test_fast_path_agrees_with_step(devices: list[tuple[int, int, int | None, int]], now_min: int) -> None:
    now = T0 + now_min * MIN
    ids, last_seen, silents, open_since, expected_started, expected_ended = [], [], [], [], [], []
    for device, (first, tick_after, later, silent_s) in enumerate(devices):
        rule = make_rule(NoData(silent_s))
        seen = T0 + first * MIN
        state, _ = step(rule, None, [Reading("t", seen, 1.0)], seen)
        state, _ = step(rule, state, Tick(seen + tick_after * MIN, seen), seen + tick_after * MIN)
        if later is not None:
            seen = seen + later * MIN
        if now < seen:  # the scheduler never looks at a table newer than its clock
            continue
        ids.append(device)
        last_seen.append(seen)
        silents.append(silent_s)
        open_since.append(state.open_since)
        _, transitions = step(rule, state, Tick(now, seen), now)
        expected_started += [(device, t.start_ts) for t in transitions if isinstance(t, Raised)]
        expected_ended += [(device, t.end_ts) for t in transitions if isinstance(t, Cleared)]
    edges = silence_edges(ids, last_seen, silents, open_since, now)
    assert edges.started == expected_started
    assert edges.ended == expected_ended

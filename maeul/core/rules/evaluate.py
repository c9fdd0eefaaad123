"""``step``: one rule, one device, one event → the new state and the alarms raised or cleared.

Readings are taken in timestamp order and grouped by instant. At each instant the rule is first evaluated as of
that time with what it knew before (the time since the previous reading may have completed a hold time or a
silence), then with the new readings. A tick evaluates time-based conditions at the tick's clock. Alarms are
edge-triggered: ``Raised`` when the condition becomes true, ``Cleared`` when it stops, never twice in a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from maeul.core.readings import MAX_FUTURE_MS, Reading
from maeul.core.rules.events import Cleared, Description, Instant, Raised, Tick, Transition, Truth, instants
from maeul.core.rules.registry import Evaluator, evaluator_for
from maeul.core.rules.spec import Rule
from maeul.core.rules.state import RuleState, fingerprint, initial_state

Event = Sequence[Reading] | Tick

RULE_DISABLED = Description("rule disabled", "규칙 비활성화")
RULE_CHANGED = Description("rule changed", "규칙 변경")


@dataclass(slots=True)
class _Edges:
    """The open/closed flag of one rule during one ``step``, and the transitions it has produced."""

    rule: Rule
    evaluator: Evaluator[Any, Any]
    open_since: int | None
    last_end: int | None
    out: list[Transition] = field(default_factory=list)

    def check(self, truth: Truth, at: int, node: object) -> None:
        if truth.active and self.open_since is None:
            start = at if truth.since is None else truth.since
            if self.last_end is not None:
                start = max(start, self.last_end)
            start = min(start, at)
            details = self.evaluator.describe(self.rule.condition, node).to_json()
            self.out.append(Raised(self.rule.id, self.rule.alarm_type, self.rule.severity, start, details))
            self.open_since = start
        elif not truth.active and self.open_since is not None:
            self.close(truth.since, at, self.evaluator.describe(self.rule.condition, node))

    def close(self, since: int | None, at: int, why: Description) -> None:
        if self.open_since is None:
            return
        end = max(self.open_since, at if since is None else min(since, at))
        self.out.append(Cleared(self.rule.id, self.rule.alarm_type, end, why.to_json()))
        self.open_since, self.last_end = None, end


def step(rule: Rule, state: RuleState | None, event: Event, now_ms: int) -> tuple[RuleState, list[Transition]]:
    """Evaluate ``rule`` for one device on ``event``: a batch of that device's readings, or a scheduler tick.

    ``state`` is what the previous call returned (None the first time). ``now_ms`` is the processing clock: it only
    bounds how far in the future a reading may be (more than ``MAX_FUTURE_MS`` ahead: ignored); alarm times come
    from readings. A tick evaluates at its own ``now_ms`` (never before the newest reading already evaluated).
    Readings older than the state's watermark are late and not re-evaluated. A disabled rule closes its open
    alarm and raises nothing, but keeps following the readings; a rule whose condition changed (fingerprint)
    closes its open alarm and starts from a fresh condition state.
    """
    cond = rule.condition
    evaluator = evaluator_for(cond)
    if state is None:
        state = initial_state(cond)
    batch: list[Instant] = []
    if isinstance(event, Tick):
        event_ts = event.now_ms
    else:
        batch = [i for i in instants(event) if i.ts <= now_ms + MAX_FUTURE_MS]
        batch = [i for i in batch if state.watermark is None or i.ts >= state.watermark]
        event_ts = batch[0].ts if batch else now_ms
    edges = _Edges(rule, evaluator, state.open_since, state.last_end)

    node: object
    loaded = False
    if state.fingerprint == fingerprint(cond):
        try:
            node, loaded = evaluator.load_state(cond, state.cond), True
        except (ValueError, KeyError, TypeError):
            loaded = False
    if not loaded:
        edges.close(None, event_ts, RULE_CHANGED)
        node = evaluator.initial(cond)
    if not rule.enabled:
        edges.close(None, event_ts, RULE_DISABLED)

    watermark = state.watermark
    if isinstance(event, Tick):
        node = evaluator.tick(cond, node, event)
        at = event.now_ms if watermark is None else max(event.now_ms, watermark)
        if rule.enabled:
            edges.check(evaluator.truth(cond, node, at), at, node)
    for instant in batch:
        if rule.enabled:
            edges.check(evaluator.truth(cond, node, instant.ts), instant.ts, node)
        node = evaluator.observe(cond, node, instant)
        watermark = instant.ts
        if rule.enabled:
            edges.check(evaluator.truth(cond, node, instant.ts), instant.ts, node)

    node_json = evaluator.dump_state(cond, node)
    if not rule.enabled and (batch or isinstance(event, Tick)):
        # A re-enabled rule's next alarm starts no earlier than the last event the disabled rule saw.
        seen = event.now_ms if isinstance(event, Tick) else batch[-1].ts
        edges.last_end = seen if edges.last_end is None else max(edges.last_end, seen)
    new_state = RuleState(fingerprint(cond), node_json, edges.open_since, watermark, edges.last_end)
    return new_state, edges.out


def step_all(
    rules: Sequence[Rule], states: dict[str, RuleState], event: Event, now_ms: int
) -> tuple[dict[str, RuleState], list[Transition]]:
    """``step`` every rule of one device in order; ``states`` by rule id (missing: new). Returns the new states."""
    new_states: dict[str, RuleState] = {}
    out: list[Transition] = []
    for rule in rules:
        new_states[rule.id], transitions = step(rule, states.get(rule.id), event, now_ms)
        out.extend(transitions)
    return new_states, out

"""Silence: no data (a device, or one key, silent for ``silent_s``) and no activity (no "active" reading of a key).

Both become true at ``anchor + silent_s`` (the alarm's start, derived from reading times) and end at the next
reading (or active reading), whose timestamp is the alarm's end. Ticks supply the clock and what the latest-values
table knows; a reading that arrives after a long gap first reports the silence it ends, then ends it. A device
that never sent anything is not silent: pass its provisioning time as ``Tick.last_seen_ms`` to watch it.
"""

from __future__ import annotations

from dataclasses import dataclass

from maeul.core.rules.conditions import NoActivity, NoData, compare
from maeul.core.rules.events import FALSE, Description, Instant, Tick, Truth
from maeul.core.rules.fields import JsonValue, as_number, state_float, state_int, state_object
from maeul.core.rules.registry import Evaluator
from maeul.core.rules.text import OP_KO, duration_en, duration_ko, num


def _later(a: int | None, b: int | None) -> int | None:
    return a if b is None else b if a is None else max(a, b)


def _silence(anchor: int | None, silent_s: int, at_ms: int) -> Truth:
    if anchor is None:
        return FALSE
    deadline = anchor + silent_s * 1000
    return Truth(True, deadline) if at_ms >= deadline else Truth(False, anchor)


def _newest(tick: Tick) -> int | None:
    newest = max((r.ts for r in tick.last_values.values()), default=None)
    return _later(tick.last_seen_ms, newest)


@dataclass(frozen=True, slots=True)
class SilenceState:
    last_seen: int | None = None


class NoDataEvaluator(Evaluator[NoData, SilenceState]):
    def initial(self, cond: NoData) -> SilenceState:
        return SilenceState()

    def observe(self, cond: NoData, state: SilenceState, instant: Instant) -> SilenceState:
        if cond.key is not None and cond.key not in instant.values:
            return state
        return SilenceState(_later(state.last_seen, instant.ts))

    def tick(self, cond: NoData, state: SilenceState, tick: Tick) -> SilenceState:
        if cond.key is None:
            seen = _newest(tick)
        else:
            reading = tick.last_values.get(cond.key)
            seen = None if reading is None else reading.ts
        return SilenceState(_later(state.last_seen, seen))

    def truth(self, cond: NoData, state: SilenceState, at_ms: int) -> Truth:
        return _silence(state.last_seen, cond.silent_s, at_ms)

    def describe(self, cond: NoData, state: SilenceState) -> Description:
        d_en, d_ko = duration_en(cond.silent_s), duration_ko(cond.silent_s)
        what_en, what_ko = ("data", "데이터") if cond.key is None else (f"{cond.key} data", f"{cond.key} 데이터")
        return Description(
            f"no {what_en} for {d_en}",
            f"{d_ko} 동안 {what_ko} 없음",
            {"key": cond.key, "last_seen_ts": state.last_seen, "silent_s": cond.silent_s},
        )

    def dump_state(self, cond: NoData, state: SilenceState) -> JsonValue:
        return {"last_seen": state.last_seen}

    def load_state(self, cond: NoData, data: JsonValue) -> SilenceState:
        return SilenceState(state_int(state_object(data), "last_seen"))


@dataclass(frozen=True, slots=True)
class ActivityState:
    last_active: int | None = None
    first_seen: int | None = None  # the anchor while no activity has been seen at all
    value: float | None = None


class NoActivityEvaluator(Evaluator[NoActivity, ActivityState]):
    def initial(self, cond: NoActivity) -> ActivityState:
        return ActivityState()

    def _active(self, cond: NoActivity, value: float | None) -> bool:
        return value is not None and compare(value, cond.active_op, cond.active_value)

    def observe(self, cond: NoActivity, state: ActivityState, instant: Instant) -> ActivityState:
        first = instant.ts if state.first_seen is None else state.first_seen
        if cond.key not in instant.values:
            return ActivityState(state.last_active, first, state.value)
        value = as_number(instant.values[cond.key])
        last_active = _later(state.last_active, instant.ts) if self._active(cond, value) else state.last_active
        return ActivityState(last_active, first, state.value if value is None else value)

    def tick(self, cond: NoActivity, state: ActivityState, tick: Tick) -> ActivityState:
        first = _newest(tick) if state.first_seen is None else state.first_seen
        reading = tick.last_values.get(cond.key)
        last_active = state.last_active
        if reading is not None and self._active(cond, as_number(reading.value)):
            last_active = _later(last_active, reading.ts)
        return ActivityState(last_active, first, state.value)

    def truth(self, cond: NoActivity, state: ActivityState, at_ms: int) -> Truth:
        anchor = state.first_seen if state.last_active is None else state.last_active
        return _silence(anchor, cond.silent_s, at_ms)

    def describe(self, cond: NoActivity, state: ActivityState) -> Description:
        when = f"{cond.active_op} {num(cond.active_value)}"
        return Description(
            f"no {cond.key} activity ({cond.key} {when}) for {duration_en(cond.silent_s)}",
            f"{duration_ko(cond.silent_s)} 동안 {cond.key} 활동 없음 "
            f"({cond.key} {num(cond.active_value)} {OP_KO[cond.active_op]})",
            {"key": cond.key, "value": state.value, "last_active_ts": state.last_active, "silent_s": cond.silent_s},
        )

    def dump_state(self, cond: NoActivity, state: ActivityState) -> JsonValue:
        return {"last_active": state.last_active, "first_seen": state.first_seen, "value": state.value}

    def load_state(self, cond: NoActivity, data: JsonValue) -> ActivityState:
        obj = state_object(data)
        return ActivityState(state_int(obj, "last_active"), state_int(obj, "first_seen"), state_float(obj, "value"))

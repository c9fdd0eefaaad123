"""Level conditions (threshold, range): hysteresis on the way out, hold time on the way in.

The level switches on when a reading enters the condition and off only when a reading leaves it past the clear
level; between readings the last value is taken to persist. With a hold time the condition becomes true once the
level has been on for ``hold_s`` (by reading timestamps, or by a tick's clock when no reading comes); the alarm's
start is when the level switched on, not when the hold elapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from maeul.core.rules.conditions import Range, Threshold, compare
from maeul.core.rules.events import Description, Instant, Truth
from maeul.core.rules.fields import JsonValue, as_number, state_flag, state_float, state_int, state_object
from maeul.core.rules.registry import Evaluator
from maeul.core.rules.text import OP_KO, duration_en, duration_ko, num


@dataclass(frozen=True, slots=True)
class LevelState:
    on: bool = False
    since: int | None = None  # when ``on`` last changed
    value: float | None = None  # the latest value of the key


L = TypeVar("L", Threshold, Range)


class LevelEvaluator(Evaluator[L, LevelState], Generic[L]):
    def enters(self, cond: L, value: float) -> bool:
        raise NotImplementedError

    def stays(self, cond: L, value: float) -> bool:
        raise NotImplementedError

    def initial(self, cond: L) -> LevelState:
        return LevelState()

    def observe(self, cond: L, state: LevelState, instant: Instant) -> LevelState:
        value = as_number(instant.values.get(cond.key))
        if value is None:
            return state
        on = self.stays(cond, value) if state.on else self.enters(cond, value)
        return LevelState(on, instant.ts if on != state.on else state.since, value)

    def truth(self, cond: L, state: LevelState, at_ms: int) -> Truth:
        if not state.on:
            return Truth(False, state.since)
        if cond.hold_s == 0 or (state.since is not None and at_ms - state.since >= cond.hold_s * 1000):
            return Truth(True, state.since)
        return Truth(False)  # on, but the hold time has not elapsed yet

    def dump_state(self, cond: L, state: LevelState) -> JsonValue:
        return {"on": state.on, "since": state.since, "value": state.value}

    def load_state(self, cond: L, data: JsonValue) -> LevelState:
        obj = state_object(data)
        return LevelState(state_flag(obj, "on"), state_int(obj, "since"), state_float(obj, "value"))


def _held(cond: Threshold | Range) -> tuple[str, str]:
    if not cond.hold_s:
        return "", ""
    return f" for at least {duration_en(cond.hold_s)}", f" ({duration_ko(cond.hold_s)} 이상 지속)"


class ThresholdEvaluator(LevelEvaluator[Threshold]):
    def enters(self, cond: Threshold, value: float) -> bool:
        return compare(value, cond.op, cond.value)

    def stays(self, cond: Threshold, value: float) -> bool:
        return compare(value, cond.op, cond.value if cond.clear_value is None else cond.clear_value)

    def describe(self, cond: Threshold, state: LevelState) -> Description:
        held_en, held_ko = _held(cond)
        values: dict[str, JsonValue] = {"key": cond.key, "value": state.value, "limit": cond.value}
        if cond.clear_value is not None:
            values["clear_value"] = cond.clear_value
        return Description(
            f"{cond.key} is {num(state.value)} (limit {cond.op} {num(cond.value)}){held_en}",
            f"{cond.key} 값 {num(state.value)} (기준 {num(cond.value)} {OP_KO[cond.op]}){held_ko}",
            values,
        )


class RangeEvaluator(LevelEvaluator[Range]):
    def enters(self, cond: Range, value: float) -> bool:
        return value < cond.low or value > cond.high

    def stays(self, cond: Range, value: float) -> bool:
        return value < cond.low + cond.hysteresis or value > cond.high - cond.hysteresis

    def describe(self, cond: Range, state: LevelState) -> Description:
        held_en, held_ko = _held(cond)
        band = f"{num(cond.low)}–{num(cond.high)}"
        return Description(
            f"{cond.key} is {num(state.value)} (allowed range {band}){held_en}",
            f"{cond.key} 값 {num(state.value)} (허용 범위 {band}){held_ko}",
            {"key": cond.key, "value": state.value, "low": cond.low, "high": cond.high},
        )

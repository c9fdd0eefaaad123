"""Rate of change: has the value moved by more than ``max_delta`` within the last ``per_s`` seconds?

Each reading is compared with the lowest (rising) and highest (falling) value of the readings in the window before
it. Those extremes are kept in monotonic queues. To keep the state small whatever the reading rate, consecutive
queue entries are kept at least ``per_s / RESOLUTION`` apart (a newer candidate too close to an older one is
dropped), so a queue holds at most ``MAX_SAMPLES`` entries and the window's far edge is resolved to
``per_s / RESOLUTION``. The condition is re-evaluated on each reading and keeps its answer between readings.
"""

from __future__ import annotations

from dataclasses import dataclass

from maeul.core.rules.conditions import RateOfChange
from maeul.core.rules.events import Description, Instant, Truth
from maeul.core.rules.fields import JsonValue, as_number, state_flag, state_float, state_int, state_object
from maeul.core.rules.registry import Evaluator
from maeul.core.rules.text import duration_en, duration_ko, num

RESOLUTION = 32
MAX_SAMPLES = RESOLUTION + 2
Samples = tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class RateState:
    lows: Samples = ()  # increasing values: the window's minimum first
    highs: Samples = ()  # decreasing values: the window's maximum first
    on: bool = False
    since: int | None = None
    value: float | None = None
    delta: float | None = None  # the change measured at the latest reading, in the rule's direction


def _push(samples: Samples, per_ms: int, ts: int, value: float, lower: bool) -> tuple[float | None, Samples]:
    """The window's extreme before this reading, and the queue with this reading added."""
    kept = [s for s in samples if s[0] >= ts - per_ms]
    extreme = kept[0][1] if kept else None
    if lower:
        while kept and kept[-1][1] >= value:
            kept.pop()
    else:
        while kept and kept[-1][1] <= value:
            kept.pop()
    if len(kept) >= 2 and kept[-1][0] - kept[-2][0] < max(1, per_ms // RESOLUTION):
        kept.pop()
    kept.append((ts, value))
    return extreme, tuple(kept)


class RateEvaluator(Evaluator[RateOfChange, RateState]):
    def initial(self, cond: RateOfChange) -> RateState:
        return RateState()

    def observe(self, cond: RateOfChange, state: RateState, instant: Instant) -> RateState:
        value = as_number(instant.values.get(cond.key))
        if value is None:
            return state
        per_ms = cond.per_s * 1000
        lows, highs = state.lows, state.highs
        rise = fall = 0.0
        if cond.direction != "falling":
            low, lows = _push(lows, per_ms, instant.ts, value, lower=True)
            rise = 0.0 if low is None else value - low
        if cond.direction != "rising":
            high, highs = _push(highs, per_ms, instant.ts, value, lower=False)
            fall = 0.0 if high is None else high - value
        delta = rise if cond.direction == "rising" else fall if cond.direction == "falling" else max(rise, fall)
        on = delta > cond.max_delta
        since = instant.ts if on != state.on else state.since
        return RateState(lows, highs, on, since, value, delta)

    def truth(self, cond: RateOfChange, state: RateState, at_ms: int) -> Truth:
        return Truth(state.on, state.since)

    def describe(self, cond: RateOfChange, state: RateState) -> Description:
        verb_en = {"rising": "rose", "falling": "fell", "abs": "changed"}[cond.direction]
        verb_ko = {"rising": "상승", "falling": "하강", "abs": "변화"}[cond.direction]
        return Description(
            f"{cond.key} {verb_en} by {num(state.delta)} within {duration_en(cond.per_s)} "
            f"(limit {num(cond.max_delta)}), now {num(state.value)}",
            f"{cond.key} 값이 {duration_ko(cond.per_s)} 안에 {num(state.delta)} {verb_ko} "
            f"(기준 {num(cond.max_delta)}), 현재 {num(state.value)}",
            {"key": cond.key, "value": state.value, "delta": state.delta, "max_delta": cond.max_delta},
        )

    def dump_state(self, cond: RateOfChange, state: RateState) -> JsonValue:
        lows: list[JsonValue] = [[t, v] for t, v in state.lows]
        highs: list[JsonValue] = [[t, v] for t, v in state.highs]
        return {
            "lows": lows,
            "highs": highs,
            "on": state.on,
            "since": state.since,
            "value": state.value,
            "delta": state.delta,
        }

    def load_state(self, cond: RateOfChange, data: JsonValue) -> RateState:
        obj = state_object(data)
        return RateState(
            _samples(obj.get("lows")),
            _samples(obj.get("highs")),
            state_flag(obj, "on"),
            state_int(obj, "since"),
            state_float(obj, "value"),
            state_float(obj, "delta"),
        )


def _samples(data: JsonValue) -> Samples:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ValueError("rate state: samples must be a list")
    out: list[tuple[int, float]] = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], int)):
            raise ValueError("rate state: a sample is [ts, value]")
        value = as_number(item[1])
        if value is None:
            raise ValueError("rate state: a sample value must be a number")
        out.append((item[0], value))
    return tuple(out)

"""The pill box and vitals routines as rule kinds of the platform's rule engine (registered by ``rule_kind``).

    {"kind": "care.medication", "timezone": "Asia/Seoul", "config": {"times": ["08:00", "19:30"]}}
    {"kind": "care.vitals", "level": "attention", "config": {"systolic_high": 150}}

``care.medication`` reads the pill box (keys ``pillbox`` or ``pillbox_<anything>``, 1 open, 0 closed; also
``battery_pillbox`` as a sign the box reports) and manual away mode (``away_mode``/``away``); it is true while a
dose is missed. ``care.vitals`` reads ``systolic``, ``diastolic`` and ``glucose``; it is true while a vitals alert
at ``level`` or above is raised (a confirmed reading out of range is ``attention``, a critical one the config's
``critical_level``). Each rule's state is the routine's JSON, with the clock of the last event or tick.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from maeul.core.rules.events import Description, Instant, Tick, Truth
from maeul.core.rules.fields import Fields, JsonObject, JsonValue, RuleSpecError
from maeul.core.rules.registry import Evaluator
from maeul.services.care.detection.config import ConfigError
from maeul.services.care.detection.events import from_local_seconds, local_seconds
from maeul.services.care.detection.medication import MedicationConfig, PillBox
from maeul.services.care.detection.status import LEVELS, level_rank
from maeul.services.care.detection.vitals import KEYS, Vitals, VitalsConfig

ROUTINE_KINDS = ("care.medication", "care.vitals")
T = TypeVar("T", PillBox, Vitals)


def _local(ms: int, timezone: str) -> float:
    return local_seconds(datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)))


def _utc_ms(t: float, timezone: str) -> int:
    return int(from_local_seconds(t).replace(tzinfo=ZoneInfo(timezone)).timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class MedicationCondition:
    timezone: str
    config: MedicationConfig
    kind: str = "care.medication"

    def to_json(self) -> JsonObject:
        config: JsonObject = dict(self.config.to_json())
        return {"kind": self.kind, "timezone": self.timezone, "config": config}


@dataclass(frozen=True, slots=True)
class VitalsCondition:
    level: str
    timezone: str
    config: VitalsConfig
    kind: str = "care.vitals"

    def to_json(self) -> JsonObject:
        config: JsonObject = dict(self.config.to_json())
        return {"kind": self.kind, "level": self.level, "timezone": self.timezone, "config": config}


def _timezone(f: Fields) -> str:
    timezone = f.text("timezone", "Asia/Seoul")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleSpecError(f.path("timezone"), f"unknown time zone {timezone!r} (e.g. Asia/Seoul)") from None
    return timezone


def parse_medication(data: Mapping[str, JsonValue], path: str) -> MedicationCondition:
    f = Fields(data, path)
    timezone = _timezone(f)
    raw = f.raw("config")
    f.done()
    try:
        config = MedicationConfig() if raw is None else MedicationConfig.from_json(raw)
    except ConfigError as error:
        raise RuleSpecError(f.path("config"), str(error)) from None
    return MedicationCondition(timezone, config)


def parse_vitals(data: Mapping[str, JsonValue], path: str) -> VitalsCondition:
    f = Fields(data, path)
    level = f.choice("level", LEVELS, "attention")
    timezone = _timezone(f)
    raw = f.raw("config")
    f.done()
    try:
        config = VitalsConfig() if raw is None else VitalsConfig.from_json(raw)
    except ConfigError as error:
        raise RuleSpecError(f.path("config"), str(error)) from None
    return VitalsCondition(level, timezone, config)


@dataclass(frozen=True, slots=True)
class Watch(Generic[T]):
    """A routine's state and the local clock of the last event or tick (descriptions need a time)."""

    routine: T
    clock: float | None = None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return float(value) if isinstance(value, int | float) else None


class MedicationEvaluator(Evaluator[MedicationCondition, Watch[PillBox]]):
    def initial(self, cond: MedicationCondition) -> Watch[PillBox]:
        return Watch(PillBox())

    def observe(self, cond: MedicationCondition, state: Watch[PillBox], instant: Instant) -> Watch[PillBox]:
        box = PillBox.from_json(state.routine.to_json())
        t = _local(instant.ts, cond.timezone)
        for key in sorted(instant.values):
            value = _number(instant.values[key])
            if value is None:
                continue
            kind = key.partition("_")[0]
            if kind == "pillbox":
                box.observe(t, value, cond.config)
            elif key == "battery_pillbox":
                box.seen(t)
            elif kind == "away":
                box.away = value >= 0.5
        return Watch(box, t if state.clock is None else max(state.clock, t))

    def tick(self, cond: MedicationCondition, state: Watch[PillBox], tick: Tick) -> Watch[PillBox]:
        return Watch(state.routine, _local(tick.now_ms, cond.timezone))

    def truth(self, cond: MedicationCondition, state: Watch[PillBox], at_ms: int) -> Truth:
        missed = state.routine.missed(_local(at_ms, cond.timezone), cond.config)
        return Truth(False) if missed is None else Truth(True, _utc_ms(missed.since, cond.timezone))

    def describe(self, cond: MedicationCondition, state: Watch[PillBox]) -> Description:
        now = state.clock if state.clock is not None else (state.routine.last_t or 0.0)
        missed = state.routine.missed(now, cond.config)
        if missed is None:
            return Description("pill box: no dose missed", "약상자: 놓친 복용 없음", {"status": "normal"})
        return Description(missed.reason_en, missed.reason_ko, {"status": "attention", "code": "medication"})

    def dump_state(self, cond: MedicationCondition, state: Watch[PillBox]) -> JsonValue:
        data: JsonValue = {"box": state.routine.to_json(), "clock": state.clock}  # type: ignore[dict-item]
        return data

    def load_state(self, cond: MedicationCondition, data: JsonValue) -> Watch[PillBox]:
        if not isinstance(data, dict):
            raise ValueError("medication state: expected an object")
        clock = data.get("clock")
        return Watch(PillBox.from_json(data.get("box")), None if clock is None else float(clock))  # type: ignore[arg-type]


class VitalsEvaluator(Evaluator[VitalsCondition, Watch[Vitals]]):
    def initial(self, cond: VitalsCondition) -> Watch[Vitals]:
        return Watch(Vitals())

    def observe(self, cond: VitalsCondition, state: Watch[Vitals], instant: Instant) -> Watch[Vitals]:
        vitals = Vitals.from_json(state.routine.to_json())
        t = _local(instant.ts, cond.timezone)
        measured: dict[str, dict[str, float]] = {}
        for key, raw in instant.values.items():
            value = _number(raw)
            if key in KEYS and value is not None:
                measured.setdefault(KEYS[key], {})[key] = value
        for measure in sorted(measured):
            vitals.observe(t, measured[measure], cond.config)
        return Watch(vitals, t if state.clock is None else max(state.clock, t))

    def tick(self, cond: VitalsCondition, state: Watch[Vitals], tick: Tick) -> Watch[Vitals]:
        return Watch(state.routine, _local(tick.now_ms, cond.timezone))

    def _hits(self, cond: VitalsCondition, state: Watch[Vitals], now: float) -> list[tuple[str, str, str, float]]:
        out: list[tuple[str, str, str, float]] = []
        for alert in state.routine.active(now, cond.config):
            level = cond.config.critical_level if alert.critical else "attention"
            if level_rank(level) >= level_rank(cond.level):
                out.append((level, alert.reason_ko, alert.reason_en, alert.since))
        return out

    def truth(self, cond: VitalsCondition, state: Watch[Vitals], at_ms: int) -> Truth:
        hits = self._hits(cond, state, _local(at_ms, cond.timezone))
        if not hits:
            return Truth(False)
        return Truth(True, min(_utc_ms(h[3], cond.timezone) for h in hits))

    def describe(self, cond: VitalsCondition, state: Watch[Vitals]) -> Description:
        now = state.clock if state.clock is not None else 0.0
        hits = self._hits(cond, state, now)
        if not hits:
            return Description("vitals within the resident's range", "생체 신호 범위 안", {"status": "normal"})
        level, ko, en, _ = max(hits, key=lambda h: level_rank(h[0]))
        return Description(en, ko, {"status": level, "code": "vitals"})

    def dump_state(self, cond: VitalsCondition, state: Watch[Vitals]) -> JsonValue:
        data: JsonValue = {"vitals": state.routine.to_json(), "clock": state.clock}  # type: ignore[dict-item]
        return data

    def load_state(self, cond: VitalsCondition, data: JsonValue) -> Watch[Vitals]:
        if not isinstance(data, dict):
            raise ValueError("vitals state: expected an object")
        clock = data.get("clock")
        return Watch(Vitals.from_json(data.get("vitals")), None if clock is None else float(clock))  # type: ignore[arg-type]

"""Care detection as rule kinds of the platform's rule engine (``maeul.core.rules``).

One home is one device (its hub) whose reading keys name its sensors: ``<kind>`` or ``<kind>_<place>``
(``motion_kitchen``, ``pressure_bed``, ``door_main``, ``temperature``, ``button``, ``battery_motion_kitchen``,
``away_mode``, ``heat_wave``). The part before the first ``_`` is the sensor kind, the rest its room (``door`` is
the main door); ``away_mode`` and ``heat_wave`` are not sensors but what staff or the service's runtime say (manual
away mode; a heat warning of the weather service for the home's district, also read from the newest values at
every tick).

Kinds (each true while the home has an alert of that kind at ``level`` or above)::

    {"kind": "care.inactivity", "level": "attention", "timezone": "Asia/Seoul", "config": {"attention_s": 28800}}
    {"kind": "care.emergency"}      emergency button, smoke, gas (danger)
    {"kind": "care.environment"}    indoor cold or heat, sustained
    {"kind": "care.device"}         sensor offline, low battery, motion sensor stuck
    {"kind": "care.medication"}     pill box not opened around the usual (or set) dose time
    {"kind": "care.vitals"}         blood pressure or glucose out of the resident's range (confirmed, or critical)

The last two live in :mod:`maeul.services.care.detection.routine_rules` (their own small states).

The condition's state is the home's whole detector (routine included) as JSON, so each rule learns the home's
own routine from its own readings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from maeul.core.rules.events import Description, Instant, Tick, Truth
from maeul.core.rules.fields import Fields, JsonObject, JsonValue, RuleSpecError
from maeul.core.rules.registry import Evaluator, register_kind
from maeul.services.care.detection.climate import HEAT_WAVE
from maeul.services.care.detection.config import ConfigError, HomeConfig
from maeul.services.care.detection.detector import Detector
from maeul.services.care.detection.events import Event, from_local_seconds, local_seconds
from maeul.services.care.detection.status import LEVELS, Status, level_rank

KINDS = {
    "care.inactivity": "inactivity",
    "care.emergency": "emergency",
    "care.environment": "environment",
    "care.device": "device",
}


DESCRIBE_STEP_S = 300
DESCRIBE_REACH_S = 86_400


@dataclass(frozen=True, slots=True)
class KindCondition:
    """A care condition: which alerts it watches (by ``kind``), from which level, in which time zone."""

    kind: str
    level: str
    timezone: str
    config: HomeConfig

    def to_json(self) -> JsonObject:
        config: JsonObject = dict(self.config.condition_json())
        return {"kind": self.kind, "level": self.level, "timezone": self.timezone, "config": config}


def _parser(kind: str) -> Callable[[Mapping[str, JsonValue], str], KindCondition]:
    def parse(data: Mapping[str, JsonValue], path: str) -> KindCondition:
        f = Fields(data, path)
        level = f.choice("level", LEVELS, "attention")
        timezone = f.text("timezone", "Asia/Seoul")
        raw = f.raw("config")
        f.done()
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RuleSpecError(f.path("timezone"), f"unknown time zone {timezone!r} (e.g. Asia/Seoul)") from None
        try:
            config = HomeConfig() if raw is None else HomeConfig.from_json(raw)
        except ConfigError as error:
            raise RuleSpecError(f.path("config"), str(error)) from None
        return KindCondition(kind, level, timezone, config)

    return parse


def _local(ms: int, timezone: str) -> float:
    return local_seconds(datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)))


def _utc_ms(t: float, timezone: str) -> int:
    return int(from_local_seconds(t).replace(tzinfo=ZoneInfo(timezone)).timestamp() * 1000)


def _event(key: str, value: object, when: datetime) -> Event | None:
    if isinstance(value, bool):
        number = 1.0 if value else 0.0
    elif isinstance(value, int | float):
        number = float(value)
    else:
        return None
    kind, _, room = key.partition("_")
    if kind == "away":
        kind = "away_mode"
    elif key == HEAT_WAVE:
        kind = HEAT_WAVE
    return Event(when, key, room, kind, number)


class CareEvaluator(Evaluator[KindCondition, Detector]):
    def initial(self, cond: KindCondition) -> Detector:
        return Detector(cond.config)

    def _copy(self, state: Detector) -> Detector:
        return state.clone()

    def observe(self, cond: KindCondition, state: Detector, instant: Instant) -> Detector:
        detector = self._copy(state)
        when = from_local_seconds(_local(instant.ts, cond.timezone))
        for key in sorted(instant.values):
            event = _event(key, instant.values[key], when)
            if event is not None:
                detector.observe(event)
        return detector

    def tick(self, cond: KindCondition, state: Detector, tick: Tick) -> Detector:
        detector = self._copy(state)
        now = _local(tick.now_ms, cond.timezone)
        flag = tick.last_values.get(HEAT_WAVE)
        if flag is not None and isinstance(flag.value, int | float):
            detector.set_heat_wave(flag.value >= 0.5, now)  # also when its reading came too late to be observed
        detector.tick(now)
        return detector

    def _status(self, cond: KindCondition, state: Detector, at_ms: int) -> Status:
        return state.evaluate(_local(at_ms, cond.timezone))

    def truth(self, cond: KindCondition, state: Detector, at_ms: int) -> Truth:
        watched = KINDS[cond.kind]
        status = self._status(cond, state, at_ms)
        hits = [a for a in status.alerts if a.kind == watched and level_rank(a.level) >= level_rank(cond.level)]
        if not hits:
            return Truth(False)
        return Truth(True, min(_utc_ms(a.since, cond.timezone) for a in hits))

    def describe(self, cond: KindCondition, state: Detector) -> Description:
        at = state.last_t if state.last_t is not None else 0.0
        watched = KINDS[cond.kind]
        status = state.evaluate(at)
        alert = next((a for a in status.alerts if a.kind == watched), None)
        if alert is None and watched in ("inactivity", "environment"):
            # raised by a tick after the last event (a silence, or a hold time of indoor heat or cold, completed
            # since): describe it as it stood then (the state keeps no tick time)
            for step_s in range(DESCRIBE_STEP_S, DESCRIBE_REACH_S + 1, DESCRIBE_STEP_S):
                status = state.evaluate(at + step_s)
                alert = next((a for a in status.alerts if a.kind == watched), None)
                if alert is not None:
                    break
        ko, en = (alert.reason_ko, alert.reason_en) if alert else (status.reason_ko, status.reason_en)
        level = "device_fault" if watched == "device" and alert is not None else status.level
        if alert is not None and watched != "device":
            level = max(status.level, alert.level, key=lambda name: level_rank(name))
        return Description(en, ko, {"status": level, "context": status.context})

    def dump_state(self, cond: KindCondition, state: Detector) -> JsonValue:
        data: JsonValue = state.to_json()  # type: ignore[assignment]
        return data

    def load_state(self, cond: KindCondition, data: JsonValue) -> Detector:
        detector = Detector.from_json(data)
        if detector.config != cond.config:
            detector.config = cond.config
        return detector


def register_rule_kinds() -> None:
    """Register the care kinds (idempotent)."""
    from maeul.services.care.detection.routine_rules import (
        MedicationEvaluator,
        VitalsEvaluator,
        parse_medication,
        parse_vitals,
    )

    evaluator = CareEvaluator()
    for kind in KINDS:
        register_kind(kind, _parser(kind), evaluator, replace=True)
    register_kind("care.medication", parse_medication, MedicationEvaluator(), replace=True)
    register_kind("care.vitals", parse_vitals, VitalsEvaluator(), replace=True)

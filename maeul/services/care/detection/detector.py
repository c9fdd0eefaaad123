"""The detector of one home: takes its events one by one, and at any clock tick says its wellbeing status.

``observe`` updates the state incrementally (sensor states, the routine learned from the home's own silences,
emergencies, environment, device health); ``tick`` evaluates the state at a clock time and latches an
inactivity alert until the next sign of life, so an alert is raised once per silence. The whole state
round-trips through JSON (``to_json`` / ``from_json``) to be stored per home between events.

Signs of life are changes of motion, door, contact, pressure, flush, power and button sensors (a repeated
"on" of a motion sensor or a button counts again; a repeated "off" does not). Measurements (temperature,
humidity, illuminance), heartbeats and battery reports are not signs of life: a device keeps sending them
whether or not anyone is home, and their absence is a device fault, never the person's state.

Whether a heat wave is on comes from outside the home (the ``heat_wave`` key, or :meth:`Detector.set_heat_wave`):
the service's runtime reads the weather warnings; this code only keeps the flag (see ``climate.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from maeul.services.care.detection.climate import HEAT_WAVE, Climate, heat_alert
from maeul.services.care.detection.config import HomeConfig
from maeul.services.care.detection.events import ACTIVITY_KINDS, DAY_S, Event
from maeul.services.care.detection.routine import OUT, Routine
from maeul.services.care.detection.status import LEVELS, Alert, Level, Status, StatusLevel, level_rank
from maeul.services.care.detection.text import at, hours_en, hours_ko, where

PERIODIC_KINDS = frozenset({"temperature", "humidity", "illuminance", "heartbeat", "battery"})
IMMEDIATE_KINDS = frozenset({"smoke", "gas"})
TIMED_ENDS = frozenset({"motion", "flush", "power"})
"""Kinds whose "off" is the device's own timing (no more motion, the flush over, the appliance's cycle done)."""
AWAY_MODE = "away_mode"
STATE_VERSION = 1


@dataclass(slots=True)
class SensorState:
    kind: str
    room: str
    value: float
    changed: float  # when the value last changed
    seen: float  # when the sensor last reported anything
    low_since: float | None = None  # temperature: below the cold limit since
    high_since: float | None = None  # temperature: above the heat limit since

    @property
    def on(self) -> bool:
        return self.value >= 0.5

    def to_json(self) -> list[object]:
        return [self.kind, self.room, self.value, self.changed, self.seen, self.low_since, self.high_since]

    @classmethod
    def from_json(cls, data: object) -> SensorState:
        if not isinstance(data, list) or len(data) != 7:
            raise ValueError("sensor state: expected a list of 7 values")
        kind, room, value, changed, seen, low, high = data
        if not isinstance(kind, str) or not isinstance(room, str):
            raise ValueError("sensor state: kind and room must be text")
        return cls(kind, room, _num(value), _num(changed), _num(seen), _opt(low), _opt(high))


def _num(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _opt(value: object) -> float | None:
    return None if value is None else _num(value)


@dataclass(slots=True)
class Detector:
    config: HomeConfig = field(default_factory=HomeConfig)
    routine: Routine = field(default_factory=Routine)
    sensors: dict[str, SensorState] = field(default_factory=dict)
    first_t: float | None = None
    last_t: float | None = None
    last_activity: float | None = None
    context: str | None = None
    manual_away: bool = False
    button_at: float | None = None
    raised_for: float | None = None  # the silence (its start) an inactivity alert was raised for
    raised_level: str | None = None
    batteries: dict[str, float] = field(default_factory=dict)
    left_rest: str | None = None  # the bed or chair the person got up from, while still in its room
    climate: Climate = field(default_factory=Climate)  # usual indoor temperature, heat-wave day

    # --- events -------------------------------------------------------------------------------------------
    def observe(self, event: Event) -> None:
        """Take one event (in time order; an older one than the newest seen is applied as if it were now)."""
        if event.is_label:
            return
        t = event.t
        if self.last_t is not None and t < self.last_t:
            t = self.last_t
        if self.first_t is None:
            self.first_t = t
        self.last_t = t
        if event.kind == AWAY_MODE:
            self.manual_away = event.value >= 0.5
            return
        if event.kind == HEAT_WAVE:
            self.climate.set_heat_wave(t, event.value >= 0.5, self.config.usual_days)
            return
        if event.kind == "battery":
            self.batteries[event.sensor] = event.value
        previous = self.sensors.get(event.sensor)
        changed = previous is None or previous.value != event.value
        since = t if previous is None or changed else previous.changed
        state = SensorState(event.kind, event.room, event.value, since, t)
        if previous is not None and previous.kind == event.kind:
            state.low_since, state.high_since = previous.low_since, previous.high_since
        if event.kind == "temperature":
            self.climate.temperature(t, event.value, self.config.usual_days)
            state.low_since = (state.low_since or t) if event.value < self.config.cold_c else None
            state.high_since = (state.high_since or t) if event.value > self.config.heat_c else None
        if event.kind == "battery" and previous is not None and previous.kind != "battery":
            state = previous  # a battery report of a sensor that reports something else keeps that state
            state.seen = t
        self.sensors[event.sensor] = state
        if event.kind == "button" and event.value >= 0.5:
            self.button_at = t
        if event.kind in ACTIVITY_KINDS and (changed or (event.value >= 0.5 and event.kind in ("motion", "button"))):
            self._activity(t, event)

    def _activity(self, t: float, event: Event) -> None:
        if self.last_activity is not None and self.context is not None:
            self.routine.learn(self.context, self.last_activity, t, self.config)
        self.last_activity = t
        self.context = self._context_after(event)
        if event.kind == "pressure" and event.value < 0.5 and not self.context.startswith("rest:"):
            self.left_rest = f"rest:{event.sensor}"  # got up from a bed or chair
        elif self.left_rest is not None and not (
            self.context.startswith("room:") and self._room_of(self.left_rest) == event.room
        ):
            self.left_rest = None  # sat or lay down again, or left the room of that bed or chair

    def _room_of(self, rest: str) -> str | None:
        state = self.sensors.get(rest.split(":", 1)[1])
        return None if state is None else state.room

    def _context_after(self, event: Event) -> str:
        if event.value < 0.5 and event.kind in TIMED_ENDS and self.context is not None:
            return self.context  # a sensor timing out says nothing of where the person is now
        if event.kind == "door":
            return OUT
        if event.kind == "pressure" and event.value >= 0.5:
            return f"rest:{event.sensor}"
        resting = [
            (s.changed, name)
            for name, s in self.sensors.items()
            if s.kind == "pressure" and s.on and s.room == event.room and name != event.sensor
        ]
        if resting:
            return f"rest:{max(resting)[1]}"
        return f"room:{event.room or event.sensor}"

    def set_away(self, on: bool) -> None:
        """Manual away mode (a caseworker or the resident says the home is empty)."""
        self.manual_away = on

    def set_heat_wave(self, on: bool, now: float | None = None) -> None:
        """A heat wave is on (or over) in the home's area, as the weather warnings say (``now``: local seconds)."""
        if on != self.climate.heat_wave:
            when = now if now is not None else self.last_t if self.last_t is not None else 0.0
            self.climate.set_heat_wave(when, on, self.config.usual_days)

    def warmed_up(self, now: float) -> bool:
        return self.first_t is not None and now - self.first_t >= self.config.warmup_days * DAY_S

    # --- evaluation ---------------------------------------------------------------------------------------
    def tick(self, now: float) -> Status:
        """The status at ``now``; an inactivity alert stays raised (at its highest level) until a sign of life."""
        status = self.evaluate(now)
        inactivity = next((a for a in status.alerts if a.kind == "inactivity"), None)
        if inactivity is not None:
            if self.raised_for != self.last_activity or level_rank(inactivity.level) > level_rank(self.raised_level):
                self.raised_for, self.raised_level = self.last_activity, inactivity.level
        elif self.raised_for is not None and self.raised_for != self.last_activity:
            self.raised_for, self.raised_level = None, None
        return status

    def evaluate(self, now: float) -> Status:
        cfg = self.config
        alerts: list[Alert] = []
        values: dict[str, object] = {}
        inactivity = self._inactivity(now, values)
        if inactivity is not None:
            alerts.append(inactivity)
        if self.button_at is not None and now - self.button_at < cfg.button_hold_s:
            alerts.append(
                Alert(
                    "emergency",
                    "button",
                    "danger",
                    self.button_at,
                    f"{at(self.button_at)} 응급 호출 버튼",
                    f"emergency button pressed at {at(self.button_at)}",
                )
            )
        for name, s in sorted(self.sensors.items()):
            if s.kind in IMMEDIATE_KINDS and s.on:
                what_ko = "화재 감지" if s.kind == "smoke" else "가스 누출 감지"
                what_en = "smoke detected" if s.kind == "smoke" else "gas detected"
                alerts.append(
                    Alert(
                        "emergency",
                        s.kind,
                        "danger",
                        s.changed,
                        f"{what_ko} ({name}, {at(s.changed)})",
                        f"{what_en} ({name}, since {at(s.changed)})",
                        name,
                    )
                )
            alerts.extend(self._environment(name, s, now))
            alerts.extend(self._device(name, s, now))
        alerts.sort(key=lambda a: (-level_rank(a.level), a.kind != "emergency", a.since))
        return self._status(now, alerts, values)

    def _inactivity(self, now: float, values: dict[str, object]) -> Alert | None:
        cfg = self.config
        if self.last_activity is None or self.manual_away:
            return None
        silence = max(0.0, now - self.last_activity)
        values["silence_s"] = silence
        learned = cfg.learned and self.context != OUT and self.warmed_up(now) and self.context is not None
        longest = 0.0
        if learned and self.context is not None:
            expectation = self.routine.expect(self.context, now, cfg)
            if self.left_rest is not None:
                # still in the room of the bed or chair just left: maybe back on it unregistered (a pressure
                # sensor can miss a person at its edge), so the more patient of the two routines decides
                resting = self.routine.expect(self.left_rest, now, cfg)
                if resting.threshold_s > expectation.threshold_s:
                    expectation = resting
            threshold, longest, basis = expectation.threshold_s, expectation.longest_s, expectation.context
        else:
            threshold, basis = float(cfg.attention_s), None
        values.update({"threshold_s": threshold, "basis": basis, "longest_s": longest})
        limits = (
            threshold,
            threshold * cfg.warning_s / cfg.attention_s,
            min(threshold * cfg.danger_s / cfg.attention_s, float(cfg.danger_s)),
        )
        level: Level | None = None
        for name, limit in zip(LEVELS, limits, strict=True):
            if silence >= limit:
                level = name
        if self.raised_for == self.last_activity and level_rank(self.raised_level) > level_rank(level):
            level = LEVELS[level_rank(self.raised_level) - 1]  # latched until the next sign of life
        if level is None:
            return None
        place_ko, place_en = where(self.context)
        since = at(self.last_activity)
        reason_ko = f"{since} 이후 활동 없음 ({place_ko}, {hours_ko(silence)})"
        reason_en = f"no sign of life since {since} ({place_en}, {hours_en(silence)})"
        if basis is not None and longest > 0:
            usual = at(self.last_activity + longest)
            reason_ko += f"; 평소에는 {usual}까지 다시 활동"
            reason_en += f"; usually active again by {usual}"
        else:
            reason_ko += f"; 기준 {hours_ko(threshold)}"
            reason_en += f"; fixed tier {hours_en(threshold)}"
        return Alert("inactivity", "inactivity", level, self.last_activity + threshold, reason_ko, reason_en)

    def _environment(self, name: str, s: SensorState, now: float) -> list[Alert]:
        cfg = self.config
        out: list[Alert] = []
        if s.kind != "temperature" or now - s.seen > cfg.offline_s:
            return out
        if s.low_since is not None and now - s.low_since >= cfg.environment_hold_s:
            out.append(
                Alert(
                    "environment",
                    "cold",
                    "attention",
                    s.low_since,
                    f"실내 저온 {s.value:g}°C ({at(s.low_since)}부터, 기준 {cfg.cold_c:g}°C 미만)",
                    f"indoor cold {s.value:g} °C since {at(s.low_since)} (below {cfg.cold_c:g} °C)",
                    name,
                )
            )
        if s.high_since is not None:
            heat = heat_alert(name, s.value, s.high_since, now, cfg, self.climate)
            if heat is not None:
                out.append(heat)
        return out

    def _device(self, name: str, s: SensorState, now: float) -> list[Alert]:
        cfg = self.config
        out: list[Alert] = []
        if s.kind in PERIODIC_KINDS and now - s.seen >= cfg.offline_s:
            out.append(
                Alert(
                    "device",
                    "offline",
                    "attention",
                    s.seen + cfg.offline_s,
                    f"장치 {name} 신호 끊김 ({at(s.seen)} 이후)",
                    f"device {name} silent since {at(s.seen)}",
                    name,
                )
            )
        battery = self.batteries.get(name)
        if battery is not None and battery < cfg.low_battery_pct:
            out.append(
                Alert(
                    "device",
                    "low_battery",
                    "attention",
                    s.seen,
                    f"장치 {name} 배터리 부족 ({battery:g}%)",
                    f"device {name} battery low ({battery:g} %)",
                    name,
                )
            )
        if s.kind == "motion" and s.on and now - s.changed >= cfg.stuck_motion_s:
            out.append(
                Alert(
                    "device",
                    "stuck",
                    "attention",
                    s.changed + cfg.stuck_motion_s,
                    f"동작 센서 {name} 고장 의심 ({at(s.changed)}부터 계속 켜짐)",
                    f"motion sensor {name} stuck on since {at(s.changed)}",
                    name,
                )
            )
        return out

    def _status(self, now: float, alerts: list[Alert], values: dict[str, object]) -> Status:
        person = [a for a in alerts if a.kind != "device"]
        devices = [a for a in alerts if a.kind == "device"]
        level: StatusLevel
        if person:
            top = person[0]
            level, ko, en = top.level, top.reason_ko, top.reason_en
        elif self.manual_away:
            level, ko, en = "away", "외출 모드 (수동)", "away mode (set by hand)"
        elif self.context == OUT and self.last_activity is not None:
            level = "away"
            ko = f"{at(self.last_activity)} 현관문 출입 후 활동 없음: 외출 중으로 판단"
            en = f"main door at {at(self.last_activity)} and nothing since: probably out"
        elif devices:
            level, ko, en = "device_fault", devices[0].reason_ko, devices[0].reason_en
        elif self.last_activity is None:
            level, ko, en = "normal", "아직 데이터 없음", "no data yet"
        else:
            place_ko, place_en = where(self.context)
            ko = f"마지막 활동 {at(self.last_activity)} ({place_ko})"
            en = f"last sign of life at {at(self.last_activity)} ({place_en})"
            level = "normal"
        return Status(level, ko, en, now, tuple(alerts), self.last_activity, self.context, values)

    def clone(self) -> Detector:
        """An independent copy, for evaluators whose states must stay immutable (the rule engine's contract)."""
        return replace(
            self,
            routine=self.routine.clone(),
            sensors={name: replace(state) for name, state in self.sensors.items()},
            batteries=dict(self.batteries),
            climate=self.climate.clone(),
        )

    # --- JSON ---------------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, object]:
        return {
            "v": STATE_VERSION,
            "config": self.config.to_json(),
            "routine": self.routine.to_json(),
            "sensors": {name: s.to_json() for name, s in sorted(self.sensors.items())},
            "first_t": self.first_t,
            "last_t": self.last_t,
            "last_activity": self.last_activity,
            "context": self.context,
            "manual_away": self.manual_away,
            "button_at": self.button_at,
            "raised_for": self.raised_for,
            "raised_level": self.raised_level,
            "batteries": dict(sorted(self.batteries.items())),
            "left_rest": self.left_rest,
            "climate": self.climate.to_json(),
        }

    @classmethod
    def from_json(cls, data: object) -> Detector:
        """The detector back from ``to_json``; ValueError if the data is not one."""
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            raise ValueError(f"detector state: expected an object with v={STATE_VERSION}")
        config = HomeConfig.from_json(data.get("config", {}))
        sensors_raw = data.get("sensors", {})
        batteries_raw = data.get("batteries", {})
        if not isinstance(sensors_raw, dict) or not isinstance(batteries_raw, dict):
            raise ValueError("detector state: sensors and batteries must be objects")
        context, raised_level = data.get("context"), data.get("raised_level")
        left_rest = data.get("left_rest")
        if any(v is not None and not isinstance(v, str) for v in (context, left_rest)):
            raise ValueError("detector state: context and left_rest must be text")
        if raised_level is not None and raised_level not in LEVELS:
            raise ValueError("detector state: raised_level must be a level")
        return cls(
            config=config,
            routine=Routine.from_json(data.get("routine", {}), config),
            sensors={str(k): SensorState.from_json(v) for k, v in sensors_raw.items()},
            first_t=_opt(data.get("first_t")),
            last_t=_opt(data.get("last_t")),
            last_activity=_opt(data.get("last_activity")),
            context=context,
            manual_away=bool(data.get("manual_away", False)),
            button_at=_opt(data.get("button_at")),
            raised_for=_opt(data.get("raised_for")),
            raised_level=raised_level,
            batteries={str(k): _num(v) for k, v in batteries_raw.items()},
            left_rest=left_rest,
            climate=Climate.from_json(data.get("climate")),
        )

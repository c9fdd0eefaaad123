"""Vitals out of the range set for the resident (pure): blood pressure (systolic/diastolic) and glucose.

A reading outside the resident's range is held, not raised: a second reading outside the range within
``confirm_s`` confirms it (one bad cuff fit or an unwashed finger does not page anyone), and a confirmation
during the quiet hours (``quiet_from``–``quiet_to``, 22:00–07:00) is raised when they end. A reading outside
the *critical* limits is raised at once, day or night, at ``critical_level``. A reading back in range ends the
alert, and so does ``expire_s`` without any new reading of that measure.

Default ranges (each set per resident by the caseworker): systolic 90–160 and diastolic 50–100 mmHg, glucose
70–250 mg/dL; critical: systolic below 70 or above 180, diastolic below 30 or above 120 mmHg (above 180/120 is
the American Heart Association's "hypertensive crisis"), glucose below 54 mg/dL (the American Diabetes
Association's level 2 hypoglycaemia) or above 400 mg/dL. The other limits are generic choices, not clinical
advice: the caseworker sets them with the resident's doctor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from maeul.services.care.detection.config import ConfigError, settings_values
from maeul.services.care.detection.events import DAY_S, clock
from maeul.services.care.detection.medication import parse_hhmm

HOUR = 3600
Measure = Literal["bp", "glucose"]
MEASURES: tuple[Measure, ...] = ("bp", "glucose")
KEYS = {"systolic": "bp", "diastolic": "bp", "glucose": "glucose"}


@dataclass(frozen=True, slots=True)
class VitalsConfig:
    systolic_low: float = 90
    systolic_high: float = 160
    diastolic_low: float = 50
    diastolic_high: float = 100
    glucose_low: float = 70
    glucose_high: float = 250
    systolic_critical_low: float = 70
    systolic_critical_high: float = 180
    diastolic_critical_low: float = 30
    diastolic_critical_high: float = 120
    glucose_critical_low: float = 54
    glucose_critical_high: float = 400
    confirm_s: int = 4 * HOUR  # a second reading out of range within this time confirms the first
    quiet_from: str = "22:00"
    quiet_to: str = "07:00"
    expire_s: int = 24 * HOUR  # an alert without any new reading of its measure ends after this
    critical_level: Literal["attention", "warning", "danger"] = "warning"

    def __post_init__(self) -> None:
        for name in ("systolic", "diastolic", "glucose"):
            c_low, low = getattr(self, f"{name}_critical_low"), getattr(self, f"{name}_low")
            high, c_high = getattr(self, f"{name}_high"), getattr(self, f"{name}_critical_high")
            if not 0 <= c_low <= low < high <= c_high:
                raise ConfigError(
                    f"{name}: 위험 하한 ≤ 하한 < 상한 ≤ 위험 상한 이어야 함 "
                    f"/ {name}: must satisfy critical low ≤ low < high ≤ critical high"
                )
        if self.confirm_s <= 0 or self.expire_s <= 0:
            raise ConfigError("confirm_s, expire_s는 양수 / confirm_s and expire_s must be positive")
        parse_hhmm(self.quiet_from)
        parse_hhmm(self.quiet_to)
        if self.critical_level not in ("attention", "warning", "danger"):
            raise ConfigError("critical_level: attention, warning, danger 중 하나 / one of attention, warning, danger")

    def limits(self, key: str) -> tuple[float, float, float, float]:
        """(critical low, low, high, critical high) of a key."""
        return (
            getattr(self, f"{key}_critical_low"),
            getattr(self, f"{key}_low"),
            getattr(self, f"{key}_high"),
            getattr(self, f"{key}_critical_high"),
        )

    def quiet(self, t: float) -> bool:
        second, start, end = t % DAY_S, parse_hhmm(self.quiet_from), parse_hhmm(self.quiet_to)
        if start == end:
            return False
        return start <= second < end if start < end else second >= start or second < end

    def quiet_end(self, t: float) -> float:
        """The end of the quiet hours ``t`` falls in (``t`` itself if it is not quiet)."""
        if not self.quiet(t):
            return t
        end = parse_hhmm(self.quiet_to)
        day_start = (t // DAY_S) * DAY_S
        candidate = day_start + end
        return candidate if candidate > t else candidate + DAY_S

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> VitalsConfig:
        # durations (``*_s``) are whole seconds; limits may be any number
        not_an_object = "생체 신호 설정은 객체여야 함 / vitals settings must be an object"
        return cls(**settings_values(cls, data, not_an_object, whole=lambda name: name.endswith("_s")))


@dataclass(frozen=True, slots=True)
class VitalsAlert:
    measure: Measure
    critical: bool
    since: float  # the first reading of the alert
    release: float  # when it may be raised (after the quiet hours for a confirmed, non-critical one)
    last: float  # the newest reading of the measure
    reason_ko: str
    reason_en: str

    def to_json(self) -> list[object]:
        return [self.measure, self.critical, self.since, self.release, self.last, self.reason_ko, self.reason_en]

    @classmethod
    def from_json(cls, data: object) -> VitalsAlert:
        if not isinstance(data, list) or len(data) != 7 or data[0] not in MEASURES:
            raise ValueError("vitals alert: expected [measure, critical, since, release, last, ko, en]")
        measure, critical, since, release, last, ko, en = data
        return cls(measure, bool(critical), _num(since), _num(release), _num(last), str(ko), str(en))


def _num(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _describe(values: dict[str, float]) -> tuple[str, str, str]:
    """(ko name, en name, value text) of one measurement."""
    if "glucose" in values:
        return "혈당", "glucose", f"{values['glucose']:g} mg/dL"
    sys_, dia = values.get("systolic"), values.get("diastolic")
    text = f"{'' if sys_ is None else f'{sys_:g}'}/{'' if dia is None else f'{dia:g}'} mmHg"
    return "혈압", "blood pressure", text


@dataclass(slots=True)
class Vitals:
    """One resident's recent vitals: an unconfirmed reading out of range per measure, and the raised alerts."""

    pending: dict[str, float] = field(default_factory=dict)  # measure -> time of an unconfirmed bad reading
    alerts: dict[str, VitalsAlert] = field(default_factory=dict)

    def observe(self, t: float, values: dict[str, float], cfg: VitalsConfig) -> None:
        """One measurement: the readings of one measure taken together (``systolic`` with ``diastolic``)."""
        keys = [k for k in values if k in KEYS]
        if not keys:
            return
        measure: Measure = "glucose" if "glucose" in keys else "bp"
        worst = "ok"
        for key in keys:
            c_low, low, high, c_high = cfg.limits(key)
            v = values[key]
            if v < c_low or v > c_high:
                worst = "critical"
            elif (v < low or v > high) and worst == "ok":
                worst = "out"
        name_ko, name_en, text = _describe({k: values[k] for k in keys})
        current = self.alerts.get(measure)
        if worst == "ok":
            self.pending.pop(measure, None)
            self.alerts.pop(measure, None)
            return
        if worst == "critical":
            self.pending.pop(measure, None)
            since = current.since if current is not None and current.critical else t
            self.alerts[measure] = VitalsAlert(
                measure,
                True,
                since,
                since,
                t,
                f"{name_ko} {text}: 위험 범위 ({clock(t)})",
                f"{name_en} {text}: critical ({clock(t)})",
            )
            return
        if current is not None:  # still out of range: the alert goes on (a critical one stays critical)
            self.alerts[measure] = VitalsAlert(
                measure, current.critical, current.since, current.release, t, current.reason_ko, current.reason_en
            )
            return
        first = self.pending.get(measure)
        if first is None or t - first > cfg.confirm_s:
            self.pending[measure] = t  # held: one reading out of range is not yet an alert
            return
        self.pending.pop(measure, None)
        self.alerts[measure] = VitalsAlert(
            measure,
            False,
            first,
            cfg.quiet_end(t),
            t,
            f"{name_ko} {text}: 설정 범위 밖, 두 번 연속 ({clock(first)}, {clock(t)})",
            f"{name_en} {text}: out of the resident's range twice ({clock(first)}, {clock(t)})",
        )

    def active(self, now: float, cfg: VitalsConfig) -> list[VitalsAlert]:
        """The alerts raised at ``now`` (critical first)."""
        out = [a for a in self.alerts.values() if a.release <= now and now - a.last < cfg.expire_s]
        return sorted(out, key=lambda a: (not a.critical, a.since))

    def to_json(self) -> dict[str, object]:
        return {
            "pending": dict(sorted(self.pending.items())),
            "alerts": {k: a.to_json() for k, a in sorted(self.alerts.items())},
        }

    @classmethod
    def from_json(cls, data: object) -> Vitals:
        if not isinstance(data, dict):
            raise ValueError("vitals state: expected an object")
        pending, alerts = data.get("pending", {}), data.get("alerts", {})
        if not isinstance(pending, dict) or not isinstance(alerts, dict):
            raise ValueError("vitals state: pending and alerts must be objects")
        return cls(
            {str(k): _num(v) for k, v in pending.items()},
            {str(k): VitalsAlert.from_json(v) for k, v in alerts.items()},
        )

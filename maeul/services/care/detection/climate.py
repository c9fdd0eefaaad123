"""A home's indoor climate over the days: its usual indoor temperature, and whether today is a heat-wave day.

The usual temperature is the median of the daily mean indoor temperatures of the home's last ``usual_days``
ordinary days (a day with fewer than ``MIN_READINGS`` temperature readings, or a heat-wave day, is not kept:
a week of heat waves must not make heat look usual). Whether a heat wave is on is not measured in the home: the
service's runtime says so (an active heat warning of the weather service for the home's district, sent to the
hub as the ``heat_wave`` key) and the detector only keeps the flag. On such a day indoor heat is raised sooner
(``heat_wave_hold_s`` instead of ``environment_hold_s``) and as a warning, with the usual temperature in the reason.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace

from maeul.services.care.detection.config import HomeConfig
from maeul.services.care.detection.events import DAY_S
from maeul.services.care.detection.status import Alert
from maeul.services.care.detection.text import at

HEAT_WAVE = "heat_wave"  # the event kind (and the hub's key) that says a heat wave is on (1) or over (0)
MIN_READINGS = 6  # temperature readings a day needs to count (a quarter of the hourly readings)
MIN_USUAL_DAYS = 3  # ordinary days needed before a usual temperature is given


@dataclass(slots=True)
class Climate:
    heat_wave: bool = False
    day: int | None = None  # the local day being summed
    day_sum: float = 0.0
    day_n: int = 0
    day_heat_wave: bool = False  # a heat wave was on at some time of that day
    daily: list[float] = field(default_factory=list)  # mean indoor temperature of the last ordinary days

    def _roll(self, t: float, keep: int) -> None:
        day = int(t // DAY_S)
        if self.day == day:
            return
        if self.day is not None and self.day_n >= MIN_READINGS and not self.day_heat_wave:
            self.daily.append(round(self.day_sum / self.day_n, 2))
            del self.daily[:-keep]
        self.day, self.day_sum, self.day_n, self.day_heat_wave = day, 0.0, 0, self.heat_wave

    def temperature(self, t: float, value: float, keep: int) -> None:
        """One indoor temperature reading (local seconds)."""
        self._roll(t, keep)
        self.day_sum += value
        self.day_n += 1

    def set_heat_wave(self, t: float, on: bool, keep: int) -> None:
        self._roll(t, keep)
        self.heat_wave = on
        self.day_heat_wave = self.day_heat_wave or on

    def usual(self) -> float | None:
        """The home's usual indoor temperature (°C), or None while fewer than ``MIN_USUAL_DAYS`` days are known."""
        return round(statistics.median(self.daily), 1) if len(self.daily) >= MIN_USUAL_DAYS else None

    def clone(self) -> Climate:
        """An independent copy (cheaper than a trip through JSON)."""
        return replace(self, daily=list(self.daily))

    def to_json(self) -> dict[str, object]:
        return {
            "heat_wave": self.heat_wave,
            "day": self.day,
            "sum": self.day_sum,
            "n": self.day_n,
            "day_heat_wave": self.day_heat_wave,
            "daily": list(self.daily),
        }

    @classmethod
    def from_json(cls, data: object) -> Climate:
        """Back from ``to_json`` (None: a state written before this existed); ValueError if it is not one."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("climate: expected an object")
        day, daily = data.get("day"), data.get("daily", [])
        if day is not None and (isinstance(day, bool) or not isinstance(day, int)):
            raise ValueError("climate: day must be a whole number")
        if not isinstance(daily, list) or any(isinstance(v, bool) or not isinstance(v, int | float) for v in daily):
            raise ValueError("climate: daily must be a list of numbers")
        total, n = data.get("sum", 0.0), data.get("n", 0)
        if isinstance(total, bool) or not isinstance(total, int | float) or not isinstance(n, int):
            raise ValueError("climate: sum and n must be numbers")
        return cls(
            bool(data.get("heat_wave", False)),
            day,
            float(total),
            n,
            bool(data.get("day_heat_wave", False)),
            [float(v) for v in daily],
        )


def heat_alert(name: str, value: float, since: float, now: float, cfg: HomeConfig, climate: Climate) -> Alert | None:
    """Indoor heat above ``heat_c`` since ``since``: attention after ``environment_hold_s``; on a heat-wave day a
    warning after ``heat_wave_hold_s``, compared with the home's usual indoor temperature."""
    if not climate.heat_wave:
        if now - since < cfg.environment_hold_s:
            return None
        return Alert(
            "environment",
            "heat",
            "attention",
            since,
            f"실내 고온 {value:g}°C ({at(since)}부터, 기준 {cfg.heat_c:g}°C 초과)",
            f"indoor heat {value:g} °C since {at(since)} (above {cfg.heat_c:g} °C)",
            name,
        )
    if now - since < cfg.heat_wave_hold_s:
        return None
    ko = f"폭염 특보일: 실내 고온 {value:g}°C ({at(since)}부터, 기준 {cfg.heat_c:g}°C 초과)"
    en = f"heat-wave day: indoor heat {value:g} °C since {at(since)} (above {cfg.heat_c:g} °C)"
    usual = climate.usual()
    if usual is None:
        ko += "; 이 집의 평소 실내 온도는 아직 모름"
        en += "; this home's usual indoor temperature is not known yet"
    else:
        days = len(climate.daily)
        ko += f"; 이 집 평소 실내 {usual:g}°C (최근 {days}일 중앙값)보다 {value - usual:+.1f}°C"
        en += f"; {value - usual:+.1f} °C against this home's usual {usual:g} °C indoors (median of {days} days)"
    return Alert("environment", "heat", "warning", since, ko, en, name)

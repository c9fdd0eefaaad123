"""Warning stages in the Korean four-level scheme (관심, 주의, 경계, 심각) from thresholds, rate of rise and a
short-term forecast of the level, with hysteresis on the way down (never flapping).

A station's state is a small immutable value; :func:`step` takes one reading and returns the new state and what
was decided. Stages rise at once; they fall only when the value has stayed below the stage's threshold minus a
band for ``hold_s`` seconds and neither the forecast nor the rate of rise keeps it up.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.stats import theilslopes

NORMAL, INTEREST, CAUTION, ALERT, SERIOUS = 0, 1, 2, 3, 4
STAGES: dict[int, tuple[str, str]] = {
    NORMAL: ("정상", "normal"),
    INTEREST: ("관심", "interest"),
    CAUTION: ("주의", "caution"),
    ALERT: ("경계", "alert"),
    SERIOUS: ("심각", "serious"),
}


def stage_name(stage: int, language: str = "ko") -> str:
    ko, en = STAGES[stage]
    return en if language == "en" else ko


@dataclass(frozen=True, slots=True)
class StageConfig:
    """How a station's readings map to stages; every value is in the station key's unit."""

    thresholds: tuple[float, float, float, float]  # where 관심, 주의, 경계, 심각 begin (the value rising)
    band: float  # hysteresis: to leave a stage the value must fall this far below its threshold
    hold_s: int = 900  # ... and stay there this long
    rate_rules: tuple[tuple[float, int], ...] = ()  # (rise per hour, at least this stage)
    horizon_s: int = 1800  # how far ahead the forecast looks (30 to 60 minutes)
    window_s: int = 3600  # the readings the trend is fitted on
    min_points: int = 4
    min_span_s: int = 600  # a trend needs readings spread over at least this long
    forecast_ahead: int = 1  # the forecast may put the stage at most this many stages above the observed one

    def __post_init__(self) -> None:
        t = self.thresholds
        if len(t) != 4 or any(b <= a for a, b in itertools.pairwise(t)):
            raise ValueError("thresholds: four increasing values (관심 < 주의 < 경계 < 심각) expected")
        if self.band < 0 or self.hold_s < 0:
            raise ValueError("band and hold_s must not be negative")
        if not 60 <= self.horizon_s <= 7200 or self.window_s < 60:
            raise ValueError("horizon_s must be 60-7200 s and window_s at least 60 s")
        for rate, stage in self.rate_rules:
            if rate <= 0 or stage not in (INTEREST, CAUTION, ALERT, SERIOUS):
                raise ValueError("rate_rules: (positive rise per hour, stage 1-4) pairs expected")

    def to_json(self) -> dict[str, Any]:
        return {
            "thresholds": list(self.thresholds),
            "band": self.band,
            "hold_s": self.hold_s,
            "rate_rules": [list(r) for r in self.rate_rules],
            "horizon_s": self.horizon_s,
            "window_s": self.window_s,
            "min_points": self.min_points,
            "min_span_s": self.min_span_s,
            "forecast_ahead": self.forecast_ahead,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageConfig:
        values = dict(data)
        values["thresholds"] = tuple(float(v) for v in values["thresholds"])
        values["rate_rules"] = tuple((float(r), int(s)) for r, s in values.get("rate_rules", ()))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class StationState:
    stage: int = NORMAL
    since_ms: int = 0
    fall_since_ms: int | None = None  # when the value first allowed a lower stage (hysteresis hold)
    window: tuple[tuple[int, float], ...] = field(default_factory=tuple)
    last_ts: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "since_ms": self.since_ms,
            "fall_since_ms": self.fall_since_ms,
            "window": [list(p) for p in self.window],
            "last_ts": self.last_ts,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> StationState:
        if not data:
            return cls()
        return cls(
            int(data["stage"]),
            int(data["since_ms"]),
            None if data.get("fall_since_ms") is None else int(data["fall_since_ms"]),
            tuple((int(t), float(v)) for t, v in data.get("window", ())),
            None if data.get("last_ts") is None else int(data["last_ts"]),
        )


@dataclass(frozen=True, slots=True)
class Trend:
    rate_per_h: float  # robust (Theil-Sen) slope of the window
    forecast: float  # the level expected ``horizon_s`` after the last reading


@dataclass(frozen=True, slots=True)
class Assessment:
    ts: int
    value: float
    stage: int
    previous: int
    observed: int  # from the value alone
    forecast_stage: int
    rate_stage: int
    trend: Trend | None
    reason: str  # threshold, forecast, rate, hysteresis (held up), fallen, unchanged

    @property
    def changed(self) -> bool:
        return self.stage != self.previous

    def to_json(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "value": self.value,
            "stage": self.stage,
            "previous": self.previous,
            "observed": self.observed,
            "forecast_stage": self.forecast_stage,
            "rate_stage": self.rate_stage,
            "rate_per_h": None if self.trend is None else self.trend.rate_per_h,
            "forecast": None if self.trend is None else self.trend.forecast,
            "reason": self.reason,
        }


def level_stage(thresholds: tuple[float, ...], value: float, offset: float = 0.0) -> int:
    """The highest stage whose threshold (minus ``offset``) the value reaches."""
    stage = NORMAL
    for i, threshold in enumerate(thresholds, start=1):
        if value >= threshold - offset:
            stage = i
    return stage


def trend(window: tuple[tuple[int, float], ...], config: StageConfig) -> Trend | None:
    """Robust linear trend (Theil-Sen median of pairwise slopes) of the window; None with too few readings."""
    if len(window) < config.min_points or (window[-1][0] - window[0][0]) < config.min_span_s * 1000:
        return None
    last_ts = window[-1][0]
    x = np.array([(t - last_ts) / 1000.0 for t, _ in window])
    y = np.array([v for _, v in window])
    slope, _intercept, _low, _high = theilslopes(y, x)
    if not np.isfinite(slope):
        return None
    # Anchor the line at the newest readings (median of the last three, moved to the last instant along the
    # slope): the level now, robust to one outlier, not the window's median level.
    anchor = float(np.median(y[-3:] - slope * x[-3:]))
    return Trend(float(slope) * 3600.0, anchor + float(slope) * config.horizon_s)


def rate_stage(config: StageConfig, found: Trend | None) -> int:
    if found is None:
        return NORMAL
    return max((stage for rate, stage in config.rate_rules if found.rate_per_h >= rate), default=NORMAL)


def step(config: StageConfig, state: StationState, ts: int, value: float) -> tuple[StationState, Assessment]:
    """Take one reading. Readings not newer than the last one are ignored (the stage never goes back in time)."""
    if state.last_ts is not None and ts <= state.last_ts:
        return state, Assessment(ts, value, state.stage, state.stage, state.stage, 0, 0, None, "stale")
    start = ts - config.window_s * 1000
    window = (*tuple(p for p in state.window if p[0] > start), (ts, value))
    found = trend(window, config)
    observed = level_stage(config.thresholds, value)
    forecast_stage = NORMAL
    if found is not None:
        forecast_stage = min(level_stage(config.thresholds, found.forecast), observed + config.forecast_ahead)
    by_rate = rate_stage(config, found)
    rising = max(observed, forecast_stage, by_rate)
    current = state.stage
    fall_since = state.fall_since_ms
    if rising > current:
        reason = "threshold" if observed == rising else ("forecast" if forecast_stage == rising else "rate")
        new, fall_since = rising, None
    else:
        held = min(level_stage(config.thresholds, value, config.band), current)
        target = max(held, forecast_stage, by_rate)
        if target >= current:
            new, fall_since, reason = current, None, "unchanged" if observed >= current else "hysteresis"
        elif fall_since is None:
            new, fall_since, reason = current, ts, "hysteresis"
        elif ts - fall_since >= config.hold_s * 1000:
            new, fall_since, reason = target, None, "fallen"
        else:
            new, reason = current, "hysteresis"
    since = ts if new != current else state.since_ms
    next_state = replace(state, stage=new, since_ms=since, fall_since_ms=fall_since, window=window, last_ts=ts)
    return next_state, Assessment(ts, value, new, current, observed, forecast_stage, by_rate, found, reason)


def run(
    config: StageConfig, state: StationState, readings: list[tuple[int, float]]
) -> tuple[StationState, list[Assessment]]:
    """Step through readings in time order; returns the final state and the assessments that changed the stage."""
    changes: list[Assessment] = []
    for ts, value in sorted(readings):
        state, assessment = step(config, state, ts, value)
        if assessment.changed:
            changes.append(assessment)
    return state, changes

"""Report arithmetic: activity series of a home, and the pilot evaluation of a programme over a period."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from maeul.services.care.core.status import DEVICE_WORDS, IMMEDIATE_WORDS, KST

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
KINDS = ("immediate", "inactivity", "environment", "routine", "device", "other")


def alert_kind(alarm_type: str) -> str:
    """The family of an alarm type, for counting: immediate, inactivity, environment, routine, device, other."""
    t = alarm_type.lower()
    if any(w in t for w in DEVICE_WORDS):
        return "device"
    if any(w in t for w in IMMEDIATE_WORDS):
        return "immediate"
    if any(w in t for w in ("inactiv", "no_motion", "nomotion", "activity", "routine_break", "idle")):
        return "inactivity"
    if any(w in t for w in ("cold", "heat", "temperature", "humid")):
        return "environment"
    if any(w in t for w in ("pill", "medic", "vital", "pressure_range", "glucose", "blood")):
        return "routine"
    return "other"


def local_day_bounds(day: date) -> tuple[int, int]:
    start = datetime(day.year, day.month, day.day, tzinfo=KST)
    ms = int(start.timestamp() * 1000)
    return ms, ms + DAY_MS


def series(buckets: Mapping[int, float], start: int, end: int, step_ms: int) -> list[tuple[int, float]]:
    """Every bucket from ``start`` to ``end`` (zero where nothing was counted)."""
    return [(ts, float(buckets.get(ts, 0.0))) for ts in range(start, end, step_ms)]


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass(frozen=True, slots=True)
class AlarmRow:
    type: str
    start_ts: int


@dataclass(frozen=True, slots=True)
class ResponseRow:
    detected_at: int
    first_action_at: int | None
    closed_at: int | None
    resolution: str | None
    false_reason: str | None


@dataclass(frozen=True)
class Evaluation:
    start: int
    end: int
    homes: int
    devices: int
    alerts_by_kind: dict[str, int]
    alerts_by_type: dict[str, int]
    responses: int
    closed: int
    false_alarms: int
    false_alarm_share: float | None
    false_reasons: dict[str, int]
    response_minutes_mean: float | None
    response_minutes_median: float | None
    close_minutes_mean: float | None
    close_minutes_median: float | None
    uptime_mean: float | None
    uptime_min: float | None
    alerts_per_home_day: float | None = None
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) pairs, for CSV and tables."""

        def fmt(value: float | None, digits: int = 1) -> str:
            return "" if value is None else f"{value:.{digits}f}"

        out = [
            ("period_start", datetime.fromtimestamp(self.start / 1000, KST).isoformat()),
            ("period_end", datetime.fromtimestamp(self.end / 1000, KST).isoformat()),
            ("homes", str(self.homes)),
            ("devices", str(self.devices)),
        ]
        out += [(f"alerts_{kind}", str(self.alerts_by_kind.get(kind, 0))) for kind in KINDS]
        out += [
            ("alerts_per_home_day", fmt(self.alerts_per_home_day, 3)),
            ("responses", str(self.responses)),
            ("responses_closed", str(self.closed)),
            ("false_alarms", str(self.false_alarms)),
            ("false_alarm_share", fmt(self.false_alarm_share, 3)),
            ("response_minutes_mean", fmt(self.response_minutes_mean)),
            ("response_minutes_median", fmt(self.response_minutes_median)),
            ("close_minutes_mean", fmt(self.close_minutes_mean)),
            ("close_minutes_median", fmt(self.close_minutes_median)),
            ("device_uptime_mean", fmt(self.uptime_mean, 3)),
            ("device_uptime_min", fmt(self.uptime_min, 3)),
        ]
        out += [(f"false_reason_{k}", str(v)) for k, v in sorted(self.false_reasons.items())]
        return out


def evaluate(
    start: int,
    end: int,
    homes: int,
    alarms: Iterable[AlarmRow],
    responses: Iterable[ResponseRow],
    uptime: Mapping[int, float],
) -> Evaluation:
    """The pilot evaluation: alerts by kind, the false-alarm share of the closed cases (from their recorded
    outcomes), response times (detection to first step; detection to closing) and device uptime."""
    alarm_list = list(alarms)
    by_type = Counter(a.type for a in alarm_list)
    by_kind = Counter(alert_kind(a.type) for a in alarm_list)
    response_list = list(responses)
    closed = [r for r in response_list if r.closed_at is not None]
    false = [r for r in closed if r.resolution == "false_alarm"]
    first = [(r.first_action_at - r.detected_at) / 60_000 for r in response_list if r.first_action_at is not None]
    to_close = [(r.closed_at - r.detected_at) / 60_000 for r in closed if r.closed_at is not None]
    days = max(1e-9, (end - start) / DAY_MS)
    shares = list(uptime.values())
    return Evaluation(
        start=start,
        end=end,
        homes=homes,
        devices=len(uptime),
        alerts_by_kind={kind: by_kind.get(kind, 0) for kind in KINDS},
        alerts_by_type=dict(sorted(by_type.items())),
        responses=len(response_list),
        closed=len(closed),
        false_alarms=len(false),
        false_alarm_share=(len(false) / len(closed)) if closed else None,
        false_reasons=dict(Counter(r.false_reason or "unknown" for r in false)),
        response_minutes_mean=_mean(first),
        response_minutes_median=_median(first),
        close_minutes_mean=_mean(to_close),
        close_minutes_median=_median(to_close),
        uptime_mean=_mean(shares),
        uptime_min=min(shares) if shares else None,
        alerts_per_home_day=(len(alarm_list) / (homes * days)) if homes else None,
    )


def week_days(first: date) -> list[date]:
    return [first + timedelta(days=i) for i in range(7)]

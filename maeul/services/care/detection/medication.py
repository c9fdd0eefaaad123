"""The pill box routine (pure): was the box opened around the usual time of each dose?

The dose times are the caseworker's (``times``, "HH:MM" on the home's clock) or, when none are set, learned from
the home's own openings: over the last ``history_days`` days, openings are grouped by time of day (a gap of more
than ``cluster_gap_s`` starts a new group), and a group seen on at least ``min_days`` days and on at least
``min_share`` of the days seen is a dose, at the median of each day's first opening in it. A dose counts as
taken when the box is opened from ``early_s`` before its time (or the midpoint since the previous dose, if
later). If it is not taken by ``window_s`` after its time, a missed dose is raised, once per dose: it ends when
the box is opened, when the next dose's span begins, or ``hold_s`` after it was raised, whichever is first.

Times are local seconds (see :mod:`maeul.services.care.detection.events`): the time of day is ``t % 86400``.
A dose near midnight is handled on the day it falls on; a learned group is not joined across midnight.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from maeul.services.care.detection.config import ConfigError, settings_values
from maeul.services.care.detection.events import DAY_S, clock

HOUR = 3600
REOPEN_S = 600  # a box that reports only "open" (never "closed"): an "open" this long after the last is new


def parse_hhmm(text: str) -> int:
    """Seconds of the day of ``HH:MM``; ConfigError (ko + en) otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
        h, m = int(hours), int(minutes)
        if 0 <= h < 24 and 0 <= m < 60:
            return h * HOUR + m * 60
    raise ConfigError(f"복용 시각 {text!r}은 HH:MM 형식이어야 함 / dose time {text!r} must be HH:MM")


def _times(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("times: 'HH:MM' 목록이어야 함 / must be a list of 'HH:MM'")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class MedicationConfig:
    times: tuple[str, ...] = ()  # set by the caseworker; empty: learned from the openings
    window_s: int = 90 * 60  # a dose not taken this long after its time is missed
    early_s: int = 2 * HOUR  # an opening this long before the time already counts
    hold_s: int = 6 * HOUR  # a missed dose stays raised at most this long
    history_days: int = 14
    min_days: int = 3
    min_share: float = 0.5
    cluster_gap_s: int = 2 * HOUR

    def __post_init__(self) -> None:
        seconds = [parse_hhmm(t) for t in self.times]
        if len(set(seconds)) != len(seconds):
            raise ConfigError("같은 복용 시각이 두 번 있음 / a dose time is given twice")
        if len(seconds) > 8:
            raise ConfigError("복용 시각은 8개까지 / at most 8 dose times")
        if not 0 < self.window_s <= 12 * HOUR or not 0 <= self.early_s <= 12 * HOUR or self.hold_s <= 0:
            raise ConfigError(
                "기다림은 0~12시간, 유지 시간은 양수 / window and early must be within 12 h, hold positive"
            )
        if not 1 <= self.min_days <= self.history_days <= 60 or not 0 < self.min_share <= 1:
            raise ConfigError(
                "학습: 1 ≤ min_days ≤ history_days ≤ 60, 0 < min_share ≤ 1 / learning settings out of range"
            )
        if self.cluster_gap_s <= 0:
            raise ConfigError("cluster_gap_s는 양수 / cluster_gap_s must be positive")

    @property
    def set_times(self) -> tuple[int, ...]:
        return tuple(sorted(parse_hhmm(t) for t in self.times))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["times"] = list(self.times)
        return data

    @classmethod
    def from_json(cls, data: object) -> MedicationConfig:
        not_an_object = "약 복용 설정은 객체여야 함 / medication settings must be an object"
        return cls(**settings_values(cls, data, not_an_object, special={"times": _times}))


@dataclass(frozen=True, slots=True)
class Dose:
    """One dose of one day: due at ``at`` (local seconds); taken if opened from ``start`` on."""

    at: float
    start: float
    learned: bool


@dataclass(frozen=True, slots=True)
class Missed:
    dose: Dose
    since: float  # when it was raised: the dose time plus the window
    reason_ko: str
    reason_en: str


@dataclass(slots=True)
class PillBox:
    """What is known of one home's pill box: when it was first seen, its openings of the last days."""

    first_t: float | None = None
    last_t: float | None = None
    is_open: bool = False
    last_open: float | None = None
    openings: list[float] = field(default_factory=list)  # local seconds, the last ``history_days`` days
    away: bool = False

    def observe(self, t: float, value: float, cfg: MedicationConfig) -> None:
        """One reading of the box (1 open, 0 closed); a rising edge, or a repeated open after a while, counts."""
        if self.last_t is not None and t < self.last_t:
            t = self.last_t
        if self.first_t is None:
            self.first_t = t
        self.last_t = t
        opened = value >= 0.5
        if opened and (not self.is_open or self.last_open is None or t - self.last_open >= REOPEN_S):
            self.openings.append(t)
            self.last_open = t
        self.is_open = opened
        horizon = (t // DAY_S - cfg.history_days) * DAY_S
        self.openings = [o for o in self.openings if o >= horizon]

    def seen(self, t: float) -> None:
        """Any other reading of the box (battery, heartbeat): it is installed and reporting."""
        if self.first_t is None:
            self.first_t = t
        self.last_t = t if self.last_t is None else max(self.last_t, t)

    # --- the usual times ----------------------------------------------------------------------------------
    def learned_times(self, before_day: int, cfg: MedicationConfig) -> tuple[int, ...]:
        """Dose times (seconds of the day) learned from the openings of the days before ``before_day``."""
        if self.first_t is None:
            return ()
        first_day = max(int(self.first_t // DAY_S), before_day - cfg.history_days)
        days_seen = before_day - first_day
        if days_seen < cfg.min_days:
            return ()
        points = sorted((o % DAY_S, int(o // DAY_S)) for o in self.openings if first_day <= o // DAY_S < before_day)
        groups: list[list[tuple[float, int]]] = []
        for point in points:
            if groups and point[0] - groups[-1][-1][0] <= cfg.cluster_gap_s:
                groups[-1].append(point)
            else:
                groups.append([point])
        times: list[int] = []
        for group in groups:
            first_per_day: dict[int, float] = {}
            for second, day in group:
                first_per_day.setdefault(day, second)
            days = len(first_per_day)
            if days >= cfg.min_days and days >= cfg.min_share * days_seen:
                ordered = sorted(first_per_day.values())
                mid = len(ordered) // 2
                median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
                times.append(int(median // 60) * 60)
        return tuple(times)

    def doses(self, day: int, cfg: MedicationConfig) -> list[Dose]:
        """The doses of ``day`` (a local day number), with the span in which an opening counts for each."""
        learned = not cfg.times
        seconds = self.learned_times(day, cfg) if learned else cfg.set_times
        out: list[Dose] = []
        previous: float | None = None
        for second in seconds:
            at = float(day * DAY_S + second)
            start = at - cfg.early_s
            if previous is not None:
                start = max(start, (previous + at) / 2)
            out.append(Dose(at, start, learned))
            previous = at
        return out

    # --- evaluation ---------------------------------------------------------------------------------------
    def missed(self, now: float, cfg: MedicationConfig) -> Missed | None:
        """The dose missed at ``now``, if any (the earliest still raised)."""
        if self.first_t is None or self.away:
            return None
        today = int(now // DAY_S)
        doses = [*self.doses(today - 1, cfg), *self.doses(today, cfg)]
        for i, dose in enumerate(doses):
            due = dose.at + cfg.window_s
            if now < due or dose.start < self.first_t:
                continue  # not due yet, or the box was not installed before this dose's span began
            end = due + cfg.hold_s
            if i + 1 < len(doses):
                end = min(end, doses[i + 1].start)
            if now >= end:
                continue
            if any(dose.start <= o <= now for o in self.openings):
                continue
            basis_ko = "평소" if dose.learned else "정해진"
            basis_en = "usual" if dose.learned else "set"
            return Missed(
                dose,
                due,
                f"약상자 열리지 않음: {basis_ko} 복용 시각 {clock(dose.at)} (이후 {cfg.window_s // 60}분 지남)",
                f"pill box not opened: {basis_en} dose time {clock(dose.at)} ({cfg.window_s // 60} min ago or more)",
            )
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "first_t": self.first_t,
            "last_t": self.last_t,
            "is_open": self.is_open,
            "last_open": self.last_open,
            "openings": list(self.openings),
            "away": self.away,
        }

    @classmethod
    def from_json(cls, data: object) -> PillBox:
        if not isinstance(data, dict):
            raise ValueError("pill box state: expected an object")
        openings = data.get("openings", [])
        if not isinstance(openings, list):
            raise ValueError("pill box state: openings must be a list")
        return cls(
            first_t=_opt(data.get("first_t")),
            last_t=_opt(data.get("last_t")),
            is_open=bool(data.get("is_open", False)),
            last_open=_opt(data.get("last_open")),
            openings=[_num(o) for o in openings],
            away=bool(data.get("away", False)),
        )


def _num(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _opt(value: object) -> float | None:
    return None if value is None else _num(value)

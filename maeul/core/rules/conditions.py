"""The built-in condition kinds as frozen values, each parsed from and dumped to a plain JSON object."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from maeul.core.rules.fields import Fields, JsonObject, JsonValue, RuleSpecError
from maeul.core.rules.geometry import Area, dump_area, parse_area
from maeul.core.rules.text import DAY_NAMES

Op = Literal[">", ">=", "<", "<="]
OPS: tuple[Op, ...] = (">", ">=", "<", "<=")
ActiveOp = Literal[">", ">=", "<", "<=", "==", "!="]
ACTIVE_OPS: tuple[ActiveOp, ...] = (">", ">=", "<", "<=", "==", "!=")
Direction = Literal["abs", "rising", "falling"]
DIRECTIONS: tuple[Direction, ...] = ("abs", "rising", "falling")


def compare(value: float, op: str, limit: float) -> bool:
    if op == ">":
        return value > limit
    if op == ">=":
        return value >= limit
    if op == "<":
        return value < limit
    if op == "<=":
        return value <= limit
    if op == "==":
        return value == limit
    return value != limit


@dataclass(frozen=True, slots=True)
class Threshold:
    """``key op value``; once true it stays true while ``key op clear_value`` (hysteresis), and only raises after
    holding for ``hold_s`` seconds of reading time."""

    kind: ClassVar[str] = "threshold"
    key: str
    op: Op
    value: float
    clear_value: float | None = None
    hold_s: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> Threshold:
        f = Fields(data, path)
        key, op, value = f.text("key"), f.choice("op", OPS), f.number("value")
        clear, hold = f.optional_number("clear_value"), f.seconds("hold_s", 0)
        f.done()
        if clear is not None and op in (">", ">=") and clear > value:
            raise RuleSpecError(f.path("clear_value"), f"must be at or below value {value:g} when op is {op}")
        if clear is not None and op in ("<", "<=") and clear < value:
            raise RuleSpecError(f.path("clear_value"), f"must be at or above value {value:g} when op is {op}")
        return cls(key, op, value, clear, hold)

    def to_json(self) -> JsonObject:
        return {
            "kind": self.kind,
            "key": self.key,
            "op": self.op,
            "value": self.value,
            "clear_value": self.clear_value,
            "hold_s": self.hold_s,
        }


@dataclass(frozen=True, slots=True)
class Range:
    """True while ``key`` is outside ``[low, high]``; it ends only when the value is back inside
    ``[low + hysteresis, high - hysteresis]``."""

    kind: ClassVar[str] = "range"
    key: str
    low: float
    high: float
    hysteresis: float = 0.0
    hold_s: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> Range:
        f = Fields(data, path)
        key, low, high = f.text("key"), f.number("low"), f.number("high")
        hysteresis, hold = f.number("hysteresis", 0.0), f.seconds("hold_s", 0)
        f.done()
        if low > high:
            raise RuleSpecError(f.path("high"), f"must be at or above low {low:g}")
        if hysteresis < 0:
            raise RuleSpecError(f.path("hysteresis"), "must not be negative")
        if low + hysteresis > high - hysteresis:
            raise RuleSpecError(f.path("hysteresis"), f"at most {(high - low) / 2:g}, or the range could never clear")
        return cls(key, low, high, hysteresis, hold)

    def to_json(self) -> JsonObject:
        return {
            "kind": self.kind,
            "key": self.key,
            "low": self.low,
            "high": self.high,
            "hysteresis": self.hysteresis,
            "hold_s": self.hold_s,
        }


@dataclass(frozen=True, slots=True)
class RateOfChange:
    """True while ``key`` has changed by more than ``max_delta`` within the last ``per_s`` seconds (current value
    against the lowest/highest value in that window); ``direction`` rising, falling or abs (either)."""

    kind: ClassVar[str] = "rate_of_change"
    key: str
    per_s: int
    max_delta: float
    direction: Direction = "abs"

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> RateOfChange:
        f = Fields(data, path)
        key, per_s, max_delta = f.text("key"), f.seconds("per_s", minimum=1), f.number("max_delta")
        direction = f.choice("direction", DIRECTIONS, "abs")
        f.done()
        if max_delta < 0:
            raise RuleSpecError(f.path("max_delta"), "must not be negative (use direction for falling values)")
        return cls(key, per_s, max_delta, direction)

    def to_json(self) -> JsonObject:
        return {
            "kind": self.kind,
            "key": self.key,
            "per_s": self.per_s,
            "max_delta": self.max_delta,
            "direction": self.direction,
        }


@dataclass(frozen=True, slots=True)
class NoData:
    """True once the device (or only ``key``, if given) has sent nothing for ``silent_s`` seconds."""

    kind: ClassVar[str] = "no_data"
    silent_s: int
    key: str | None = None

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> NoData:
        f = Fields(data, path)
        silent, key = f.seconds("silent_s", minimum=1), f.optional_text("key")
        f.done()
        return cls(silent, key)

    def to_json(self) -> JsonObject:
        return {"kind": self.kind, "silent_s": self.silent_s, "key": self.key}


@dataclass(frozen=True, slots=True)
class NoActivity:
    """True once no reading of ``key`` has been "active" (``value active_op active_value``, by default > 0) for
    ``silent_s`` seconds. JSON: ``"active_when": {"op": ">", "value": 0}``."""

    kind: ClassVar[str] = "no_activity"
    key: str
    silent_s: int
    active_op: ActiveOp = ">"
    active_value: float = 0.0

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> NoActivity:
        f = Fields(data, path)
        key, silent = f.text("key"), f.seconds("silent_s", minimum=1)
        when = f.raw("active_when")
        f.done()
        if when is None:
            return cls(key, silent)
        w = Fields(when, f.path("active_when"))
        op, value = w.choice("op", ACTIVE_OPS, ">"), w.number("value", 0.0)
        w.done()
        return cls(key, silent, op, value)

    def to_json(self) -> JsonObject:
        return {
            "kind": self.kind,
            "key": self.key,
            "silent_s": self.silent_s,
            "active_when": {"op": self.active_op, "value": self.active_value},
        }


_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")
_DAY_SETS = {"daily": (1, 2, 3, 4, 5, 6, 7), "weekdays": (1, 2, 3, 4, 5), "weekends": (6, 7)}


@dataclass(frozen=True, slots=True)
class Schedule:
    """A gate: true between ``start`` and ``end`` local time on the given ISO days (1 = Monday). A window that
    crosses midnight (22:00–06:00) belongs to the day it starts on; ``start == end`` is a whole day."""

    kind: ClassVar[str] = "schedule"
    days: tuple[int, ...]
    start: str
    end: str
    timezone: str = "Asia/Seoul"

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> Schedule:
        f = Fields(data, path)
        days = _parse_days(f.raw("days"), f.path("days"))
        start, end = _parse_hhmm(f.text("start"), f.path("start")), _parse_hhmm(f.text("end"), f.path("end"))
        timezone = f.text("timezone", "Asia/Seoul")
        f.done()
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RuleSpecError(f.path("timezone"), f"unknown time zone {timezone!r} (e.g. Asia/Seoul)") from None
        return cls(days, start, end, timezone)

    def to_json(self) -> JsonObject:
        days: list[JsonValue] = [DAY_NAMES[d - 1] for d in self.days]
        return {"kind": self.kind, "days": days, "start": self.start, "end": self.end, "timezone": self.timezone}

    @property
    def start_minute(self) -> int:
        return int(self.start[:2]) * 60 + int(self.start[3:])

    @property
    def end_minute(self) -> int:
        return int(self.end[:2]) * 60 + int(self.end[3:])


def _parse_hhmm(text: str, path: str) -> str:
    if not _HHMM.fullmatch(text):
        raise RuleSpecError(path, f"expected a time of day HH:MM (00:00 to 24:00), got {text!r}")
    return "00:00" if text == "24:00" else text


def _parse_days(value: object, path: str) -> tuple[int, ...]:
    if value is None:
        return _DAY_SETS["daily"]
    if isinstance(value, str):
        if value in _DAY_SETS:
            return _DAY_SETS[value]
        raise RuleSpecError(path, f"expected daily, weekdays, weekends or a list of days, got {value!r}")
    if not isinstance(value, list) or not value:
        raise RuleSpecError(path, "expected a non-empty list of days (mon..sun or 1..7)")
    days: set[int] = set()
    for i, day in enumerate(value):
        if isinstance(day, str) and day.lower()[:3] in DAY_NAMES:
            days.add(DAY_NAMES.index(day.lower()[:3]) + 1)
        elif isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= 7:
            days.add(day)
        else:
            raise RuleSpecError(f"{path}[{i}]", f"expected mon..sun or 1 (Monday)..7 (Sunday), got {day!r}")
    return tuple(sorted(days))


@dataclass(frozen=True, slots=True)
class Geofence:
    """True while the position (``lon_key``, ``lat_key``) is inside the area (``inside``) or outside it."""

    kind: ClassVar[str] = "geofence"
    area: Area
    inside: bool = True
    lon_key: str = "lon"
    lat_key: str = "lat"

    @classmethod
    def parse(cls, data: Mapping[str, JsonValue], path: str) -> Geofence:
        f = Fields(data, path)
        area = parse_area(f.required("polygon"), f.path("polygon"))
        inside, lon_key, lat_key = f.flag("inside", True), f.text("lon_key", "lon"), f.text("lat_key", "lat")
        f.done()
        return cls(area, inside, lon_key, lat_key)

    def to_json(self) -> JsonObject:
        return {
            "kind": self.kind,
            "polygon": dump_area(self.area),
            "inside": self.inside,
            "lon_key": self.lon_key,
            "lat_key": self.lat_key,
        }

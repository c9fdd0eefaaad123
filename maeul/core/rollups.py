"""Rollup arithmetic: bucket boundaries and per-bucket count/min/max/sum of a batch of readings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000

PERIODS: dict[str, int] = {"minute": MINUTE_MS, "hour": HOUR_MS, "day": DAY_MS}


def bucket_start(ts: int, period_ms: int, offset_ms: int = 0) -> int:
    """Start of the bucket holding ``ts``; ``offset_ms`` is the local UTC offset (local midnights)."""
    return ((ts + offset_ms) // period_ms) * period_ms - offset_ms


@dataclass(slots=True)
class Aggregate:
    count: int
    min: float
    max: float
    sum: float

    def add(self, value: float) -> None:
        self.count += 1
        self.sum += value
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value

    def merge(self, other: Aggregate) -> None:
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)

    @property
    def avg(self) -> float:
        return self.sum / self.count


RollupKey = tuple[int, str, int]  # (device_id, key, bucket start)


def aggregate(
    rows: Iterable[tuple[int, str, int, float]], period_ms: int, offset_ms: int = 0
) -> dict[RollupKey, Aggregate]:
    """Fold (device_id, key, ts, value) rows into one aggregate per (device, key, bucket)."""
    out: dict[RollupKey, Aggregate] = {}
    for device_id, key, ts, value in rows:
        bucket = ((ts + offset_ms) // period_ms) * period_ms - offset_ms
        k = (device_id, key, bucket)
        agg = out.get(k)
        if agg is None:
            out[k] = Aggregate(1, value, value, value)
        else:
            agg.add(value)
    return out


def parse_interval(text: str) -> int:
    """``"15m"``, ``"1h"``, ``"1d"``, ``"30s"`` or milliseconds → milliseconds; ValueError if unusable."""
    text = text.strip().lower()
    units = {"s": 1000, "m": MINUTE_MS, "h": HOUR_MS, "d": DAY_MS}
    if text and text[-1] in units:
        number, unit = text[:-1], units[text[-1]]
    else:
        number, unit = text, 1
    if not (number.isascii() and number.isdigit()) or int(number) <= 0:
        raise ValueError(f"interval {text!r}: use a positive whole number with s, m, h or d (e.g. 15m, 1h)")
    return int(number) * unit


def best_rollup(interval_ms: int) -> str | None:
    """The coarsest rollup table whose period divides the interval, or None if none does."""
    for name in ("day", "hour", "minute"):
        if interval_ms % PERIODS[name] == 0:
            return name
    return None

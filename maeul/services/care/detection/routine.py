"""A home's routine, learned online: how long silences last, by context and time of day.

A *silence* is the time between two signs of life. Its *context* is where the last sign of life left the person:
resting on a pressure sensor (``rest:<sensor>``: bed, chair), in a room (``room:<room>``), or gone out of the
main door (``out``). For every context and every time-of-day bin the routine keeps the longest elapsed silence
seen while that bin's time passed, and how many silences covered the bin. Learning a silence touches only the
bins it covered, so the routine updates in O(silence length / bin) per event and serialises to a few arrays.

The threshold for a silence in context ``c`` at time of day ``h``: if ``c`` has been seen around ``h`` (within
``window_s``) at least ``min_support`` times, the longest silence seen there × (1 + ``margin_ratio``) +
``margin_s``; otherwise the context's parent is asked (``rest:…`` and ``room:…`` → ``home``, the at-home
silences of any room; ``rest:…`` → ``rest``, every resting place, then ``home``), and without any supported
context the fixed attention tier applies. A room's own routine may lengthen the pooled ``home`` threshold, never
shorten it (the pooled one rests on more silences). A person still in bed
at an hour they have (almost) never been in bed at is thus judged by how long they are usually still awake at
that hour: a morning without getting up is noticed soon after the usual time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from maeul.services.care.detection.config import HomeConfig
from maeul.services.care.detection.events import DAY_S

HOME = "home"
OUT = "out"
MAX_LEARNED_S = 2 * DAY_S  # a silence longer than this teaches nothing more


REST = "rest"
_ARRAYS: tuple[tuple[str, float], ...] = (("last_day", -1), ("day_value", 0.0), ("total", 0.0), ("total_sq", 0.0))


def covered_bins(start: float, end: float, bin_s: int) -> Iterator[tuple[int, int, float]]:
    """The time-of-day bins a silence from ``start`` to ``end`` covers, in order: (bin, day, the silence's length
    at the bin's end, or at its own end in its last bin)."""
    edge = (start // bin_s) * bin_s  # start of the bin holding ``start``
    while edge < end:
        yield int((edge % DAY_S) // bin_s), int(edge // DAY_S), min(end, edge + bin_s) - start
        edge += bin_s


def parent(context: str) -> str | None:
    """The pooled context: every resting place (``rest``) or every room (``home``)."""
    if context.startswith("rest:"):
        return REST
    if context.startswith("room:"):
        return HOME
    return None


@dataclass(slots=True)
class ContextStats:
    """Per time-of-day bin: the longest elapsed silence seen (seconds), on how many days the context covered
    the bin, the last such day (to count each day once), that day's value (its longest elapsed silence in the
    bin), and the sum and sum of squares of the per-day values (their spread, for the tail)."""

    longest: list[float]
    count: list[int]
    last_day: list[int]
    day_value: list[float]
    total: list[float]
    total_sq: list[float]

    def clone(self) -> ContextStats:
        return ContextStats(
            self.longest[:], self.count[:], self.last_day[:], self.day_value[:], self.total[:], self.total_sq[:]
        )

    @classmethod
    def empty(cls, bins: int) -> ContextStats:
        return cls([0.0] * bins, [0] * bins, [-1] * bins, [0.0] * bins, [0.0] * bins, [0.0] * bins)

    def add(self, index: int, day: int, elapsed: float) -> None:
        """One day's silence covered bin ``index`` with ``elapsed`` seconds at the bin's end (or the silence's)."""
        if self.last_day[index] != day:
            self.count[index] += 1
            self.last_day[index] = day
            self.day_value[index] = elapsed
            self.total[index] += elapsed
            self.total_sq[index] += elapsed * elapsed
        elif elapsed > self.day_value[index]:
            old = self.day_value[index]
            self.total[index] += elapsed - old
            self.total_sq[index] += elapsed * elapsed - old * old
            self.day_value[index] = elapsed
        if elapsed > self.longest[index]:
            self.longest[index] = elapsed

    def spread(self, index: int, prior_s: float) -> float:
        """The day-to-day spread (standard deviation, seconds) of the bin's per-day values, shrunk towards
        ``prior_s`` as if that prior were one more day's worth of evidence (few days: mostly the prior)."""
        k = self.count[index]
        if k == 0:
            return prior_s
        mean = self.total[index] / k
        variance = max(0.0, self.total_sq[index] / k - mean * mean)
        return math.sqrt((k * variance + prior_s * prior_s) / (k + 1))


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the routine expects of a silence now: alert after ``threshold_s``; ``context`` whose data decided
    (None: the fixed tier), ``longest_s`` the longest such silence seen (0 if none)."""

    threshold_s: float
    context: str | None
    longest_s: float
    support: int


@dataclass(slots=True)
class Routine:
    contexts: dict[str, ContextStats] = field(default_factory=dict)
    learned_s: float = 0.0  # total silence time learned
    long_silences: int = 0  # silences of at least one bin: the ones that can come near a threshold
    first_s: float | None = None  # the span of time learned from
    last_s: float | None = None

    def alpha(self, cfg: HomeConfig) -> float:
        """The chance a normal long silence may have of being alerted, so that the home's long silences per day
        times it stay within the false-alarm budget (at most the budget itself: one long silence a day)."""
        days = 0.0 if self.first_s is None or self.last_s is None else (self.last_s - self.first_s) / DAY_S
        per_day = self.long_silences / days if days >= 1 else 1.0
        return cfg.fa_budget_per_day / max(1.0, per_day)

    def learn(self, context: str, start: float, end: float, cfg: HomeConfig) -> None:
        """Add a silence from ``start`` to ``end`` (local seconds) in ``context`` and its parents."""
        if end <= start:
            return
        end = min(end, start + MAX_LEARNED_S)
        self.learned_s += end - start
        if end - start >= cfg.bin_s:
            self.long_silences += 1
        self.first_s = start if self.first_s is None else min(self.first_s, start)
        self.last_s = end if self.last_s is None else max(self.last_s, end)
        chain = [context]
        pooled = parent(context)
        if pooled is not None:
            chain.append(pooled)
        for index, day, elapsed in covered_bins(start, end, cfg.bin_s):
            for name in chain:
                stats = self.contexts.get(name)
                if stats is None:
                    stats = self.contexts[name] = ContextStats.empty(cfg.bins)
                stats.add(index, day, elapsed)

    def _window(self, stats: ContextStats, t: float, cfg: HomeConfig) -> tuple[float, int]:
        centre = int((t % DAY_S) // cfg.bin_s)
        reach = cfg.window_s // cfg.bin_s
        longest, support = 0.0, 0
        for offset in range(-reach, reach + 1):
            i = (centre + offset) % cfg.bins
            longest = max(longest, stats.longest[i])
            support = max(support, stats.count[i])
        return longest, support

    def _tail(self, stats: ContextStats, t: float, cfg: HomeConfig) -> float:
        """The survival threshold: for each bin within the window, the longest per-day value seen plus the margin
        beyond which a new day's value has at most ``alpha`` chance, the tail beyond the longest of ``k`` days
        taken as exponential with the bin's day-to-day spread as its scale:
        P(new > longest + x) ≈ exp(-x / spread) / (k + 1) = alpha."""
        alpha = self.alpha(cfg)
        centre = int((t % DAY_S) // cfg.bin_s)
        reach = cfg.window_s // cfg.bin_s
        threshold = 0.0
        for offset in range(-reach, reach + 1):
            i = (centre + offset) % cfg.bins
            k = stats.count[i]
            if k == 0:
                continue
            margin = stats.spread(i, float(cfg.window_s)) * max(0.0, math.log(1.0 / ((k + 1) * alpha)))
            threshold = max(threshold, stats.longest[i] + margin)
        return threshold

    def _own(self, context: str, t: float, cfg: HomeConfig) -> Expectation | None:
        stats = self.contexts.get(context)
        if stats is None:
            return None
        longest, support = self._window(stats, t, cfg)
        if support < cfg.min_support:
            return None
        threshold = self._tail(stats, t, cfg) if cfg.survival else longest * (1 + cfg.margin_ratio) + cfg.margin_s
        return Expectation(min(threshold, float(cfg.danger_s)), context, longest, support)

    def established(self, context: str, cfg: HomeConfig) -> bool:
        """Seen on at least ``min_support`` days at some hour: its absence at another hour is evidence."""
        stats = self.contexts.get(context)
        return stats is not None and max(stats.count) >= cfg.min_support

    def expect(self, context: str, t: float, cfg: HomeConfig) -> Expectation:
        """The threshold of a silence in ``context`` at ``t``. A child context's own routine can only lengthen
        its parent's (pooled, better-estimated) threshold, never shorten it; an unsupported child takes the
        parent's; without any, the fixed attention tier."""
        own = self._own(context, t, cfg)
        up = parent(context)
        pooled = self._own(up, t, cfg) if up is not None else None
        if own is None and up == REST and self.established(context, cfg):
            pooled = None  # a known resting place not used at this hour: not like the others (bed ≠ chair)
        if own is not None and pooled is not None and context.startswith("room:"):
            return pooled if pooled.threshold_s > own.threshold_s else own
        for found in (own, pooled, self._own(HOME, t, cfg) if context != HOME else None):
            if found is not None:
                return found
        return Expectation(float(cfg.attention_s), None, 0.0, 0)

    def clone(self) -> Routine:
        """An independent copy (cheaper than a trip through JSON, and without its rounding)."""
        contexts = {name: stats.clone() for name, stats in self.contexts.items()}
        return Routine(contexts, self.learned_s, self.long_silences, self.first_s, self.last_s)

    def to_json(self) -> dict[str, object]:
        return {
            "learned_s": self.learned_s,
            "contexts": {
                name: {
                    "longest": [round(v, 1) for v in s.longest],
                    "count": list(s.count),
                    "last_day": list(s.last_day),
                    "day_value": [round(v, 1) for v in s.day_value],
                    "total": [round(v, 1) for v in s.total],
                    "total_sq": [round(v) for v in s.total_sq],
                }
                for name, s in sorted(self.contexts.items())
            },
            "long_silences": self.long_silences,
            "first_s": self.first_s,
            "last_s": self.last_s,
        }

    @classmethod
    def from_json(cls, data: object, cfg: HomeConfig) -> Routine:
        if not isinstance(data, dict):
            raise ValueError("routine: expected an object")
        contexts: dict[str, ContextStats] = {}
        raw = data.get("contexts", {})
        if not isinstance(raw, dict):
            raise ValueError("routine.contexts: expected an object")
        for name, s in raw.items():
            if not isinstance(s, dict):
                raise ValueError(f"routine.contexts.{name}: expected an object")
            longest, count = s.get("longest"), s.get("count")
            if not isinstance(longest, list) or not isinstance(count, list):
                raise ValueError(f"routine.contexts.{name}: longest and count must be lists")
            if len(longest) != cfg.bins or len(count) != cfg.bins:
                raise ValueError(f"routine.contexts.{name}: expected {cfg.bins} bins")
            arrays = [s.get(key, [default] * cfg.bins) for key, default in _ARRAYS]
            if any(not isinstance(a, list) or len(a) != cfg.bins for a in arrays):
                raise ValueError(f"routine.contexts.{name}: expected {cfg.bins} bins")
            last, day_value, total, total_sq = arrays
            contexts[str(name)] = ContextStats(
                [float(v) for v in longest],
                [int(v) for v in count],
                [int(v) for v in last],
                [float(v) for v in day_value],
                [float(v) for v in total],
                [float(v) for v in total_sq],
            )
        learned, long_silences = _number(data, "learned_s", 0.0), _number(data, "long_silences", 0)
        first = None if data.get("first_s") is None else _number(data, "first_s", 0.0)
        last_s = None if data.get("last_s") is None else _number(data, "last_s", 0.0)
        return cls(contexts, learned, int(long_silences), first, last_s)


def _number(data: dict[str, object], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"routine.{key}: expected a number")
    return float(value)

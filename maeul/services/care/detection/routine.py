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

from dataclasses import dataclass, field

from maeul.services.care.detection.config import HomeConfig
from maeul.services.care.detection.events import DAY_S

HOME = "home"
OUT = "out"
MAX_LEARNED_S = 2 * DAY_S  # a silence longer than this teaches nothing more


REST = "rest"


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
    the bin, and the last such day (to count each day once)."""

    longest: list[float]
    count: list[int]
    last_day: list[int]

    @classmethod
    def empty(cls, bins: int) -> ContextStats:
        return cls([0.0] * bins, [0] * bins, [-1] * bins)


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

    def learn(self, context: str, start: float, end: float, cfg: HomeConfig) -> None:
        """Add a silence from ``start`` to ``end`` (local seconds) in ``context`` and its parents."""
        if end <= start:
            return
        end = min(end, start + MAX_LEARNED_S)
        self.learned_s += end - start
        chain = [context]
        pooled = parent(context)
        if pooled is not None:
            chain.append(pooled)
        b = cfg.bin_s
        edge = (start // b) * b  # start of the bin holding ``start``
        while edge < end:
            upto = min(end, edge + b)
            index = int((edge % DAY_S) // b)
            elapsed = upto - start
            for name in chain:
                stats = self.contexts.get(name)
                if stats is None:
                    stats = self.contexts[name] = ContextStats.empty(cfg.bins)
                day = int(edge // DAY_S)
                if stats.last_day[index] != day:
                    stats.count[index] += 1
                    stats.last_day[index] = day
                if elapsed > stats.longest[index]:
                    stats.longest[index] = elapsed
            edge += b

    def _window(self, stats: ContextStats, t: float, cfg: HomeConfig) -> tuple[float, int]:
        centre = int((t % DAY_S) // cfg.bin_s)
        reach = cfg.window_s // cfg.bin_s
        longest, support = 0.0, 0
        for offset in range(-reach, reach + 1):
            i = (centre + offset) % cfg.bins
            longest = max(longest, stats.longest[i])
            support = max(support, stats.count[i])
        return longest, support

    def _own(self, context: str, t: float, cfg: HomeConfig) -> Expectation | None:
        stats = self.contexts.get(context)
        if stats is None:
            return None
        longest, support = self._window(stats, t, cfg)
        if support < cfg.min_support:
            return None
        threshold = longest * (1 + cfg.margin_ratio) + cfg.margin_s
        return Expectation(min(threshold, float(cfg.danger_s)), context, longest, support)

    def expect(self, context: str, t: float, cfg: HomeConfig) -> Expectation:
        """The threshold of a silence in ``context`` at ``t``. A child context's own routine can only lengthen
        its parent's (pooled, better-estimated) threshold, never shorten it; an unsupported child takes the
        parent's; without any, the fixed attention tier."""
        own = self._own(context, t, cfg)
        up = parent(context)
        pooled = self._own(up, t, cfg) if up is not None else None
        if own is not None and pooled is not None and context.startswith("room:"):
            return pooled if pooled.threshold_s > own.threshold_s else own
        for found in (own, pooled, self._own(HOME, t, cfg) if context != HOME else None):
            if found is not None:
                return found
        return Expectation(float(cfg.attention_s), None, 0.0, 0)

    def to_json(self) -> dict[str, object]:
        return {
            "learned_s": self.learned_s,
            "contexts": {
                name: {
                    "longest": [round(v, 1) for v in s.longest],
                    "count": list(s.count),
                    "last_day": list(s.last_day),
                }
                for name, s in sorted(self.contexts.items())
            },
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
            last = s.get("last_day", [-1] * cfg.bins)
            if not isinstance(last, list) or len(last) != cfg.bins:
                raise ValueError(f"routine.contexts.{name}: expected {cfg.bins} bins")
            contexts[str(name)] = ContextStats(
                [float(v) for v in longest], [int(v) for v in count], [int(v) for v in last]
            )
        learned = data.get("learned_s", 0.0)
        if not isinstance(learned, int | float):
            raise ValueError("routine.learned_s: expected a number")
        return cls(contexts, float(learned))

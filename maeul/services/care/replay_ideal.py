"""The ideal detector of a replay: what the detector's own clues allow at best, with hindsight.

The detector judges a silence by three clues: where the last sign of life left the person (the context: a bed or
chair, a room, the main door), the time of day, and how long the silence has lasted. The *ideal* detector with
those clues knows in advance every silence of the counted (after learning) part of the real stream: for each
context and minute of the day it knows the longest silence going on then, and it raises a silence the moment it
is longer than that. By construction it never raises on the real stream (no false alarm); no rule on the same clues
that stays quiet there can raise sooner. A detector that learns only from the past cannot reach it: the gap between
the two is the price of learning, and the gap between it and the goal is the information the clues do not carry.
"""

from __future__ import annotations

from collections.abc import Iterable

from maeul.services.care.detection.events import DAY_S

MINUTE_S = 60
MINUTES = DAY_S // MINUTE_S


class LongestSilences:
    """For each context and minute of the day, the longest silence (seconds) seen going on within that minute."""

    def __init__(self, counted_from: float) -> None:
        self.counted_from = counted_from
        self.longest: dict[str, list[float]] = {}

    def add(self, context: str, start: float, end: float) -> None:
        """A real silence from ``start`` to ``end`` in ``context``; only its part from ``counted_from`` counts."""
        row = self.longest.setdefault(context, [-1.0] * MINUTES)
        edge = (start // MINUTE_S) * MINUTE_S
        while edge < end:
            upto = min(end, edge + MINUTE_S)
            if upto > self.counted_from:
                i = int((edge % DAY_S) // MINUTE_S)
                row[i] = max(row[i], upto - start)  # the silence's length at the end of this minute (or its own)
            edge += MINUTE_S

    @classmethod
    def of(cls, signs: Iterable[tuple[float, str]], counted_from: float) -> LongestSilences:
        """From the signs of life in time order, each with the context it left: the silences between them."""
        table = cls(counted_from)
        previous: tuple[float, str] | None = None
        for sign in signs:
            if previous is not None:
                table.add(previous[1], previous[0], sign[0])
            previous = sign
        return table

    def detect(self, context: str, silence_from: float, t: float, horizon_s: float, step_s: float) -> float | None:
        """Seconds from ``t`` until a silence in ``context`` since ``silence_from`` is longer than any real one at
        that minute of the day (checked every ``step_s``); None if not within ``horizon_s``."""
        row = self.longest.get(context)
        now = t
        while now <= t + horizon_s:
            limit = -1.0 if row is None else row[int((now % DAY_S) // MINUTE_S)]
            if now - silence_from > limit:
                return now - t
            now += step_s
        return None

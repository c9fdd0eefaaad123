"""Schedule windows in local time (zoneinfo): is an instant inside a window, since when, or since when not."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from maeul.core.rules.conditions import Schedule
from maeul.core.rules.events import Description, Instant, Truth
from maeul.core.rules.fields import JsonValue
from maeul.core.rules.registry import Evaluator
from maeul.core.rules.text import days_en, days_ko


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def _local_ms(day: date, minute: int, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).timestamp() * 1000)


def window_truth(cond: Schedule, at_ms: int) -> Truth:
    """Inside a window: true since the window's start. Outside: false since the latest window's end.

    Windows start on the listed days; one crossing midnight ends the next day, and ``start == end`` lasts a day.
    """
    zone = _zone(cond.timezone)
    today = datetime.fromtimestamp(at_ms / 1000, zone).date()
    start, end = cond.start_minute, cond.end_minute
    crosses = end <= start
    for back in range(9):
        day = today - timedelta(days=back)
        if day.isoweekday() not in cond.days:
            continue
        window_start = _local_ms(day, start, zone)
        window_end = _local_ms(day + timedelta(days=1) if crosses else day, end, zone)
        if window_start <= at_ms < window_end:
            return Truth(True, window_start)
        if window_end <= at_ms:
            return Truth(False, window_end)
    return Truth(False)


class ScheduleEvaluator(Evaluator[Schedule, None]):
    """Stateless: the answer depends on the clock only."""

    def initial(self, cond: Schedule) -> None:
        return None

    def observe(self, cond: Schedule, state: None, instant: Instant) -> None:
        return None

    def truth(self, cond: Schedule, state: None, at_ms: int) -> Truth:
        return window_truth(cond, at_ms)

    def describe(self, cond: Schedule, state: None) -> Description:
        return Description(
            f"between {cond.start} and {cond.end} ({days_en(cond.days)}, {cond.timezone})",
            f"{cond.start}–{cond.end} ({days_ko(cond.days)}, {cond.timezone})",
            {},
        )

    def dump_state(self, cond: Schedule, state: None) -> JsonValue:
        return None

    def load_state(self, cond: Schedule, data: JsonValue) -> None:
        return None

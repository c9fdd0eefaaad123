"""Quiet hours: a non-critical message that falls inside them waits until they end; it is never dropped."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from maeul.core.alarms import Severity
from maeul.core.notify.model import QuietHours

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The time zone named ``name`` (cached)."""
    return ZoneInfo(name)


def parse_hhmm(text: str) -> int:
    """Minutes after midnight of ``"HH:MM"`` (24-hour clock); ValueError otherwise."""
    match = _HHMM.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time of day as HH:MM (00:00-23:59)")
    return int(match.group(1)) * 60 + int(match.group(2))


def quiet_hours(start: str | None, end: str | None) -> QuietHours | None:
    """The window from ``"HH:MM"`` texts; None when either is missing or both are equal."""
    if not start or not end:
        return None
    first, last = parse_hhmm(start), parse_hhmm(end)
    return None if first == last else QuietHours(first, last)


def _at(day: date, minute: int, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz).timestamp() * 1000)


def quiet_until(at_ms: int, quiet: QuietHours | None, timezone: str) -> int | None:
    """The end of the quiet window ``at_ms`` falls in (epoch ms), or None if it is outside quiet hours."""
    if quiet is None or quiet.start_minute == quiet.end_minute:
        return None
    tz = zone(timezone)
    local = datetime.fromtimestamp(at_ms / 1000, tz)
    minute = local.hour * 60 + local.minute
    start, end = quiet.start_minute, quiet.end_minute
    today = local.date()
    if start < end:
        return _at(today, end, tz) if start <= minute < end else None
    if minute >= start:
        return _at(today + timedelta(days=1), end, tz)
    if minute < end:
        return _at(today, end, tz)
    return None


def send_at(at_ms: int, severity: Severity, quiet: QuietHours | None, timezone: str) -> tuple[int, bool]:
    """``(when to send, deferred?)``: critical alarms ignore quiet hours, others wait for their end."""
    if severity is Severity.CRITICAL:
        return at_ms, False
    until = quiet_until(at_ms, quiet, timezone)
    return (at_ms, False) if until is None else (until, True)

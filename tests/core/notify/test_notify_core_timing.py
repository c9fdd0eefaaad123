"""Quiet hours (tenant time zone), storm control and retry back-off, against a frozen clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from maeul.core.alarms import Severity
from maeul.core.notify.backoff import Backoff, retry_delay_ms
from maeul.core.notify.model import QuietHours
from maeul.core.notify.quiet import parse_hhmm, quiet_hours, quiet_until, send_at
from maeul.core.notify.storm import RateWindow, StormRule, admit

SEOUL = ZoneInfo("Asia/Seoul")
NIGHT = QuietHours(22 * 60, 7 * 60)
LUNCH = QuietHours(12 * 60, 13 * 60)


def kst(text: str) -> int:
    """Epoch ms of a ``YYYY-MM-DD HH:MM`` wall-clock time in Seoul."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SEOUL).timestamp() * 1000)


@pytest.mark.parametrize(
    ("at", "quiet", "until"),
    [
        ("2026-11-20 21:59", NIGHT, None),
        ("2026-11-20 22:00", NIGHT, "2026-11-21 07:00"),
        ("2026-11-20 23:30", NIGHT, "2026-11-21 07:00"),
        ("2026-11-21 03:10", NIGHT, "2026-11-21 07:00"),
        ("2026-11-21 07:00", NIGHT, None),
        ("2026-12-31 23:00", NIGHT, "2027-01-01 07:00"),
        ("2026-11-20 12:30", LUNCH, "2026-11-20 13:00"),
        ("2026-11-20 13:00", LUNCH, None),
        ("2026-11-20 11:59", LUNCH, None),
        ("2026-11-20 23:30", None, None),
        ("2026-11-20 23:30", QuietHours(600, 600), None),
    ],
)  # fmt: skip
def test_quiet_until(at: str, quiet: QuietHours | None, until: str | None) -> None:
    assert quiet_until(kst(at), quiet, "Asia/Seoul") == (kst(until) if until else None)


def test_quiet_hours_follow_the_tenant_time_zone() -> None:
    # 23:30 in Seoul is 14:30 UTC: not quiet for a tenant in UTC.
    assert quiet_until(kst("2026-11-20 23:30"), NIGHT, "UTC") is None


@pytest.mark.parametrize(
    ("severity", "at", "expected", "deferred"),
    [
        (Severity.MINOR, "2026-11-20 23:30", "2026-11-21 07:00", True),
        (Severity.MAJOR, "2026-11-20 23:30", "2026-11-21 07:00", True),
        (Severity.CRITICAL, "2026-11-20 23:30", "2026-11-20 23:30", False),
        (Severity.MINOR, "2026-11-20 20:00", "2026-11-20 20:00", False),
    ],
)  # fmt: skip
def test_send_at_delays_but_never_drops(severity: Severity, at: str, expected: str, deferred: bool) -> None:
    assert send_at(kst(at), severity, NIGHT, "Asia/Seoul") == (kst(expected), deferred)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("22:00", "07:00", NIGHT),
        (None, "07:00", None),
        ("08:00", "08:00", None),
        ("00:00", "23:59", QuietHours(0, 1439)),
    ],
)  # fmt: skip
def test_quiet_hours_from_text(start: str | None, end: str | None, expected: QuietHours | None) -> None:
    assert quiet_hours(start, end) == expected


@pytest.mark.parametrize("text", ["24:00", "7:00", "07:60", "0700", "", "07:00 "])
def test_bad_times_of_day(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)


RULE = StormRule(limit=5, window_ms=600_000)


def test_a_storm_becomes_five_messages_and_a_digest() -> None:
    window: RateWindow | None = None
    outcomes = []
    for i in range(100):
        admission = admit(window, 1_000_000 + i * 1_000, RULE)
        window = admission.window
        outcomes.append((admission.individual, admission.release_at))
    assert [o[0] for o in outcomes[:5]] == [True] * 5
    assert all(not individual for individual, _ in outcomes[5:])
    assert {release for _, release in outcomes[5:]} == {1_600_000}, "all folded ones leave when the window ends"


@pytest.mark.parametrize(
    ("window", "at", "bypass", "individual", "release_at", "after"),
    [
        (None, 1000, False, True, 1000, RateWindow(1000, 1)),
        (RateWindow(1000, 4), 2000, False, True, 2000, RateWindow(1000, 5)),
        (RateWindow(1000, 5), 2000, False, False, 601_000, RateWindow(1000, 6)),
        (RateWindow(1000, 5), 2000, True, True, 2000, RateWindow(1000, 6)),
        (RateWindow(1000, 50), 601_000, False, True, 601_000, RateWindow(601_000, 1)),
        (RateWindow(1000, 5), 600_999, False, False, 601_000, RateWindow(1000, 6)),
    ],
)  # fmt: skip
def test_admit(
    window: RateWindow | None, at: int, bypass: bool, individual: bool, release_at: int, after: RateWindow
) -> None:
    admission = admit(window, at, RULE, bypass=bypass)
    assert (admission.individual, admission.release_at, admission.window) == (individual, release_at, after)


BACKOFF = Backoff(base_s=5, factor=2, cap_s=300, jitter=0.2)


@pytest.mark.parametrize(
    ("attempts", "rand", "retry_after", "expected_ms"),
    [
        (1, 0.0, None, 5_000),
        (2, 0.0, None, 10_000),
        (3, 0.0, None, 20_000),
        (3, 0.5, None, 18_000),
        (3, 0.999999, None, 16_000),
        (7, 0.0, None, 300_000),
        (1000, 0.0, None, 300_000),
        (1000, 0.5, None, 270_000),
        (1, 0.0, 60.0, 60_000),
        (7, 0.0, 30.0, 300_000),
        (1, 0.0, 10 * 24 * 3600.0, 24 * 3600 * 1000),
        (0, 0.0, None, 5_000),
    ],
)  # fmt: skip
def test_backoff(attempts: int, rand: float, retry_after: float | None, expected_ms: int) -> None:
    assert retry_delay_ms(attempts, BACKOFF, rand, retry_after) == expected_ms


def test_backoff_never_exceeds_the_cap_and_grows() -> None:
    delays = [retry_delay_ms(n, BACKOFF, 0.0) for n in range(1, 30)]
    assert delays == sorted(delays) and max(delays) == 300_000

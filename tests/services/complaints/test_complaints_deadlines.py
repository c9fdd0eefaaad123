"""Legal deadlines (pure): working days with the first day counted, weekends and holidays left out, extensions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from maeul.services.complaints.deadlines import (
    ExtensionRefused,
    Kind,
    add_working_days,
    deadline,
    extend,
    is_overdue,
    parse_holidays,
)

SEOUL = ZoneInfo("Asia/Seoul")


def ms(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=SEOUL).timestamp() * 1000)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("received", "kind", "holidays", "due"),
    [
        # Monday 2026-11-23: 7 working days with the first = Mon..Fri, Mon, Tue -> ends Tuesday 12-01
        (ms(2026, 11, 23, 9), Kind.GRIEVANCE, (), ms(2026, 12, 2)),
        (ms(2026, 11, 23, 23, 59), Kind.QUESTION, (), ms(2026, 12, 2)),
        # Saturday: counting starts on Monday
        (ms(2026, 11, 21, 10), Kind.GRIEVANCE, (), ms(2026, 12, 2)),
        # 14 days: proposals and legal questions
        (ms(2026, 11, 23, 9), Kind.PROPOSAL, (), ms(2026, 12, 11)),
        (ms(2026, 11, 23, 9), Kind.LEGAL_QUESTION, (), ms(2026, 12, 11)),
        # a holiday inside the period moves the end by one working day
        (ms(2026, 11, 23, 9), Kind.GRIEVANCE, (date(2026, 11, 25),), ms(2026, 12, 3)),
        # Christmas (Friday) and the weekend
        (ms(2026, 12, 21, 9), Kind.GRIEVANCE, (date(2026, 12, 25),), ms(2026, 12, 31)),
    ],
)
def test_deadline_by_kind(received: int, kind: Kind, holidays: tuple[date, ...], due: int) -> None:
    assert deadline(received, kind, "Asia/Seoul", holidays) == due


def test_the_period_is_counted_in_the_tenants_time_zone() -> None:
    # 2026-11-22T20:00Z is Monday 05:00 in Seoul: Monday counts as day one there.
    received = int(datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("UTC")).timestamp() * 1000)
    assert deadline(received, Kind.GRIEVANCE, "Asia/Seoul") == ms(2026, 12, 2)


def test_add_working_days_rejects_an_empty_period() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 23), 0, (), include_first=True)


def test_one_extension_freely_then_only_with_consent() -> None:
    due = ms(2026, 12, 2)
    first = extend(due, Kind.GRIEVANCE, 7, 0, False, "Asia/Seoul")
    assert first == ms(2026, 12, 11)  # 7 working days after Tuesday 12-01
    with pytest.raises(ExtensionRefused) as refused:
        extend(first, Kind.GRIEVANCE, 3, 1, False, "Asia/Seoul")
    assert "consent" in str(refused.value) and "동의" in refused.value.ko
    assert extend(first, Kind.GRIEVANCE, 3, 1, True, "Asia/Seoul") == ms(2026, 12, 16)


@pytest.mark.parametrize("days", [0, 8, -1])
def test_an_extension_is_at_most_the_period(days: int) -> None:
    with pytest.raises(ExtensionRefused):
        extend(ms(2026, 12, 2), Kind.GRIEVANCE, days, 0, True, "Asia/Seoul")


def test_overdue_only_while_open() -> None:
    assert is_overdue(100, 100, True)
    assert not is_overdue(100, 99, True)
    assert not is_overdue(100, 1000, False)


def test_holidays_are_iso_dates() -> None:
    assert parse_holidays(["2026-12-25"]) == {date(2026, 12, 25)}
    with pytest.raises(ValueError, match="25/12/2026"):
        parse_holidays(["25/12/2026"])

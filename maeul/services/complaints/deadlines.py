"""Legal handling periods (민원 처리기간), pure.

The Civil Petitions Treatment Act (민원 처리에 관한 법률) and its enforcement decree set the periods by type:
grievances (고충민원) and questions about systems and procedures (제도·절차 질의) 7 days, proposals (건의민원)
and questions about laws (법령 질의) 14 days. A period of six days or more is counted in days, the first day
included, Saturdays and public holidays (Sundays among them) left out. A period may be extended once by
up to its own length; a further extension needs the petitioner's consent.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    GRIEVANCE = "grievance"  # 고충민원
    QUESTION = "question"  # 제도·절차 질의 (simple question)
    PROPOSAL = "proposal"  # 건의민원
    LEGAL_QUESTION = "legal_question"  # 법령 질의


PERIOD_DAYS: dict[Kind, int] = {Kind.GRIEVANCE: 7, Kind.QUESTION: 7, Kind.PROPOSAL: 14, Kind.LEGAL_QUESTION: 14}


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(first: date, days: int, holidays: Collection[date], *, include_first: bool) -> date:
    """The last day of a period of ``days`` working days starting on ``first`` (counted if a working day and
    ``include_first``), or after it."""
    if days < 1:
        raise ValueError("a period is at least one day")
    day = first if include_first else first + timedelta(days=1)
    counted = 0
    while True:
        if is_working_day(day, holidays):
            counted += 1
            if counted == days:
                return day
        day += timedelta(days=1)


def _end_of(day: date, zone: ZoneInfo) -> int:
    """Epoch ms of the end of ``day`` in ``zone`` (midnight after it)."""
    return int(datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).timestamp() * 1000)


def deadline(received_ms: int, kind: Kind, timezone: str, holidays: Collection[date] = ()) -> int:
    """When a request received at ``received_ms`` must be answered: the end of its last working day."""
    zone = ZoneInfo(timezone)
    received = datetime.fromtimestamp(received_ms / 1000, zone).date()
    return _end_of(add_working_days(received, PERIOD_DAYS[kind], holidays, include_first=True), zone)


@dataclass(frozen=True)
class ExtensionRefused(Exception):
    en: str
    ko: str

    def __str__(self) -> str:
        return self.en


def extend(
    current_deadline_ms: int,
    kind: Kind,
    days: int,
    extensions_so_far: int,
    consent: bool,
    timezone: str,
    holidays: Collection[date] = (),
) -> int:
    """The new deadline after an extension of ``days`` working days, or :class:`ExtensionRefused`."""
    limit = PERIOD_DAYS[kind]
    if not 1 <= days <= limit:
        raise ExtensionRefused(
            f"an extension is 1 to {limit} working days for this type", f"연장은 이 유형에서 1~{limit}일입니다"
        )
    if extensions_so_far >= 1 and not consent:
        raise ExtensionRefused(
            "the period was extended once already: a further extension needs the reporter's consent",
            "처리기간은 한 번만 연장할 수 있습니다. 다시 연장하려면 민원인의 동의가 필요합니다",
        )
    zone = ZoneInfo(timezone)
    last_day = datetime.fromtimestamp((current_deadline_ms - 1) / 1000, zone).date()
    return _end_of(add_working_days(last_day, days, holidays, include_first=False), zone)


def is_overdue(deadline_ms: int, now_ms: int, still_open: bool) -> bool:
    return still_open and now_ms >= deadline_ms


def parse_holidays(values: Collection[str]) -> frozenset[date]:
    """ISO dates (``2026-12-25``); raises ValueError naming the first bad one."""
    out = set()
    for value in values:
        try:
            out.add(date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ValueError(f"holiday {value!r} is not an ISO date (YYYY-MM-DD)") from None
    return frozenset(out)

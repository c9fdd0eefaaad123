"""Short English and Korean phrases for alarm details: numbers, durations, comparisons, days of the week."""

from __future__ import annotations

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO weekday 1..7
DAY_NAMES_KO = ("월", "화", "수", "목", "금", "토", "일")

OP_KO = {">": "초과", ">=": "이상", "<": "미만", "<=": "이하", "==": "같음", "!=": "다름"}


def num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _parts(seconds: int) -> tuple[int, int, int, int]:
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    return days, hours, minutes, secs


def duration_en(seconds: int) -> str:
    """``5400`` → ``1 h 30 min``."""
    units = ("d", "h", "min", "s")
    text = " ".join(f"{n} {u}" for n, u in zip(_parts(seconds), units, strict=True) if n)
    return text or "0 s"


def duration_ko(seconds: int) -> str:
    """``5400`` → ``1시간 30분``."""
    units = ("일", "시간", "분", "초")
    text = " ".join(f"{n}{u}" for n, u in zip(_parts(seconds), units, strict=True) if n)
    return text or "0초"


def days_en(days: tuple[int, ...]) -> str:
    if len(days) == 7:
        return "every day"
    if days == (1, 2, 3, 4, 5):
        return "weekdays"
    if days == (6, 7):
        return "weekends"
    return ", ".join(DAY_NAMES[d - 1] for d in days)


def days_ko(days: tuple[int, ...]) -> str:
    if len(days) == 7:
        return "매일"
    if days == (1, 2, 3, 4, 5):
        return "평일"
    if days == (6, 7):
        return "주말"
    return ", ".join(DAY_NAMES_KO[d - 1] for d in days)

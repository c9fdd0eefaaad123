"""Short Korean and English phrases for reasons: durations, clock times, contexts."""

from __future__ import annotations

from maeul.services.care.detection.events import clock


def hours_en(seconds: float) -> str:
    minutes = round(seconds / 60)
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def hours_ko(seconds: float) -> str:
    minutes = round(seconds / 60)
    h, m = divmod(minutes, 60)
    return f"{h}시간 {m}분" if h and m else f"{h}시간" if h else f"{m}분"


def where(context: str | None) -> tuple[str, str]:
    """(ko, en) of a routine context."""
    if context is None:
        return "", ""
    if context == "out":
        return "현관문 출입 후", "after the main door"
    name = context.split(":", 1)[1] if ":" in context else context
    if context.startswith("rest:"):
        return f"{name} 위", f"on {name}"
    if context.startswith("room:"):
        return f"{name}", f"in {name}"
    return "집 안", "at home"


def at(t: float) -> str:
    return clock(t)

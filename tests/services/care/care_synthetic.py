"""A synthetic home for the care detection tests: a regular routine, day after day (uniquely named module)."""

from __future__ import annotations

from datetime import datetime, timedelta

from maeul.services.care.detection.events import Event

START = datetime(2026, 3, 2)  # a Monday, local time


def at(day: int, hour: float) -> datetime:
    return START + timedelta(days=day, hours=hour)


def day_events(day: int, *, outing: bool = True, get_up: bool = True) -> list[Event]:
    """In bed 22:30 (day before) to 07:00; kitchen motion every 20 min by day; out 14:00-16:00; bed at 22:30."""
    out: list[Event] = []
    if get_up:
        out.append(Event(at(day, 7), "bed", "Bedroom", "pressure", 0.0))
        hour = 7.25
        while hour < 22.4:
            if not (outing and 14 <= hour < 16):
                out.append(Event(at(day, hour), "pir-kitchen", "Kitchen", "motion", 1.0))
                out.append(Event(at(day, hour) + timedelta(minutes=1), "pir-kitchen", "Kitchen", "motion", 0.0))
            hour += 1 / 3
        if outing:
            out.append(Event(at(day, 14), "door", "Entrance", "door", 1.0))
            out.append(Event(at(day, 14) + timedelta(seconds=30), "door", "Entrance", "door", 0.0))
            out.append(Event(at(day, 16), "door", "Entrance", "door", 1.0))
            out.append(Event(at(day, 16) + timedelta(seconds=30), "door", "Entrance", "door", 0.0))
            out.append(Event(at(day, 14), "label", "", "label:away", 1.0))
            out.append(Event(at(day, 16), "label", "", "label:away", 0.0))
        out.append(Event(at(day, 22.5), "bed", "Bedroom", "pressure", 1.0))
    out.sort(key=lambda e: (e.ts, e.value))
    return out


def stream(days: int) -> list[Event]:
    events = [Event(at(0, 0), "bed", "Bedroom", "pressure", 1.0)]
    for day in range(days):
        events.extend(day_events(day))
    return events

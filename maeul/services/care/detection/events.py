"""One sensor event of a home (a state change or a measurement), and the home's local clock in seconds.

Detection runs on the home's local wall-clock time: routines follow the clock on the wall, not UTC. A time is
kept as seconds since 1970-01-01 00:00 *local* (``local_seconds``), so the time of day is ``t % 86400``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DAY_S = 86_400
_EPOCH = datetime(1970, 1, 1)

BINARY_KINDS = frozenset({"motion", "door", "contact", "pressure", "flush", "power", "button", "smoke", "gas"})
ACTIVITY_KINDS = frozenset({"motion", "door", "contact", "pressure", "flush", "power", "button"})
"""Kinds whose changes are a sign of life (someone moved, opened, sat, got up, flushed, switched, pressed)."""
LABEL_PREFIX = "label:"


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the events CSV: at ``ts`` (local time of the home) ``sensor`` in ``room`` reported ``value``."""

    ts: datetime
    sensor: str
    room: str
    kind: str
    value: float

    @property
    def t(self) -> float:
        return local_seconds(self.ts)

    @property
    def is_label(self) -> bool:
        return self.kind.startswith(LABEL_PREFIX)


def local_seconds(ts: datetime) -> float:
    """Seconds since 1970-01-01 on the home's wall clock (an offset, if any, is dropped: it is local time)."""
    return (ts.replace(tzinfo=None) - _EPOCH).total_seconds()


def from_local_seconds(t: float) -> datetime:
    return _EPOCH + timedelta(seconds=t)


def clock(t: float) -> str:
    """``HH:MM`` of a local time."""
    return from_local_seconds(t).strftime("%H:%M")

"""A reading: one value of one key of one device at one instant."""

from __future__ import annotations

from dataclasses import dataclass

Value = float | str

MIN_TS_MS = 946_684_800_000  # 2000-01-01T00:00:00Z: anything earlier is a device clock that was never set
MAX_FUTURE_MS = 24 * 3600 * 1000  # a reading may be at most one day ahead of the server clock


@dataclass(frozen=True, slots=True)
class Reading:
    """One observation; numbers and booleans are stored as floats, text as ``str``."""

    key: str
    ts: int
    value: Value

    @property
    def is_numeric(self) -> bool:
        return isinstance(self.value, float)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A reading (or a whole message) that was not stored, and why."""

    reason: str
    key: str | None = None
    ts: int | None = None

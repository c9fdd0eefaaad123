"""Storm control: at most ``limit`` messages per recipient in a window; the rest fold into one digest."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StormRule:
    """``limit`` individual messages per ``window_ms``; critical alarms may bypass folding (they still count)."""

    limit: int = 5
    window_ms: int = 10 * 60 * 1000
    critical_bypass: bool = True


@dataclass(frozen=True, slots=True)
class RateWindow:
    """A recipient's current window: when it started and how many messages it has counted."""

    start: int
    count: int


@dataclass(frozen=True, slots=True)
class Admission:
    """Send on its own (``individual``) or fold into the digest released at ``release_at``."""

    individual: bool
    release_at: int
    window: RateWindow


def admit(window: RateWindow | None, at: int, rule: StormRule, *, bypass: bool = False) -> Admission:
    """Count one message to be sent at ``at``; a window starts with the first message after the last one ended."""
    if window is None or at >= window.start + rule.window_ms:
        window = RateWindow(at, 0)
    window = RateWindow(window.start, window.count + 1)
    individual = bypass or window.count <= rule.limit
    release_at = at if individual else window.start + rule.window_ms
    return Admission(individual, release_at, window)

"""Which alerts a family contact is told of (pure): every level at or above the one they chose.

A contact's preferences name the lowest level (``level``: attention, warning or danger) and the other events
(``events``: emergency for the emergency service being called, closed for the end of a response). Preferences
without a level (written before levels existed, or given without one) that list ``danger`` among the events mean
the level danger.
"""

from __future__ import annotations

from collections.abc import Mapping

FAMILY_LEVELS = ("attention", "warning", "danger")


def chosen_level(preferences: Mapping[str, object]) -> str | None:
    """The lowest level the contact is told of, or None (no alert levels, only the events they listed)."""
    if "level" in preferences:  # as stored since levels exist (None: no alert levels)
        level = preferences["level"]
        return level if isinstance(level, str) and level in FAMILY_LEVELS else None
    events = preferences.get("events")
    return "danger" if isinstance(events, list) and "danger" in events else None


def told_of(preferences: Mapping[str, object], level: str) -> bool:
    """Whether an alert at ``level`` (a home's status: attention, warning, danger; others never) reaches them."""
    chosen = chosen_level(preferences)
    if chosen is None or level not in FAMILY_LEVELS:
        return False
    return FAMILY_LEVELS.index(level) >= FAMILY_LEVELS.index(chosen)

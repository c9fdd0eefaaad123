"""Alarm semantics: severities and their order, and what a new occurrence does to an active alarm."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        """Higher is more severe."""
        return _RANK[self]


_RANK = {Severity.WARNING: 1, Severity.MINOR: 2, Severity.MAJOR: 3, Severity.CRITICAL: 4}


class Action(StrEnum):
    RAISED = "raised"
    REPEATED = "repeated"
    UPGRADED = "upgraded"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"
    ASSIGNED = "assigned"
    COMMENTED = "commented"
    ESCALATED = "escalated"
    NOTIFIED = "notified"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A rule (or a service) says: this originator is in this alarm condition since ``start_ts``."""

    tenant_id: str
    originator_kind: str  # "device" or an entity kind such as "household"
    originator_id: int
    type: str
    severity: Severity
    start_ts: int
    details: dict[str, object]


def merged_severity(current: Severity, new: Severity) -> Severity:
    """A repeat never lowers an active alarm's severity; a more severe one upgrades it."""
    return new if new.rank > current.rank else current


def repeat_action(current: Severity, new: Severity) -> Action:
    return Action.UPGRADED if new.rank > current.rank else Action.REPEATED

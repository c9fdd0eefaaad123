"""What detection says about a home: its wellbeing status and the alerts behind it, each with a reason in Korean
and English. Device health is its own kind of alert and never raises the person's level."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AlertKind = Literal["inactivity", "emergency", "environment", "device"]
Level = Literal["attention", "warning", "danger"]
StatusLevel = Literal["normal", "attention", "warning", "danger", "away", "device_fault"]
LEVELS: tuple[Level, ...] = ("attention", "warning", "danger")
PERSON_KINDS: frozenset[str] = frozenset({"inactivity", "emergency"})


def level_rank(level: str | None) -> int:
    for i, name in enumerate(LEVELS, start=1):
        if name == level:
            return i
    return 0


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    code: str  # inactivity, button, smoke, gas, cold, heat, offline, low_battery, stuck
    level: Level
    since: float  # local seconds
    reason_ko: str
    reason_en: str
    sensor: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "code": self.code,
            "level": self.level,
            "since": self.since,
            "sensor": self.sensor,
            "reason_ko": self.reason_ko,
            "reason_en": self.reason_en,
        }


@dataclass(frozen=True, slots=True)
class Status:
    level: StatusLevel
    reason_ko: str
    reason_en: str
    at: float
    alerts: tuple[Alert, ...] = ()
    last_activity: float | None = None
    context: str | None = None
    values: dict[str, object] = field(default_factory=dict)

    @property
    def person_alerts(self) -> tuple[Alert, ...]:
        """Inactivity and emergency alerts: what counts as a detection (environment and devices do not)."""
        return tuple(a for a in self.alerts if a.kind in PERSON_KINDS)

    @property
    def device_alerts(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.kind == "device")

    def to_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "reason_ko": self.reason_ko,
            "reason_en": self.reason_en,
            "at": self.at,
            "last_activity": self.last_activity,
            "context": self.context,
            "alerts": [a.to_json() for a in self.alerts],
            "values": dict(self.values),
        }

"""What goes into a rule (readings grouped by instant, scheduler ticks) and what comes out (raised, cleared)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from maeul.core.readings import Reading, Value
from maeul.core.rules.fields import JsonObject, JsonValue

Severity = Literal["critical", "major", "minor", "warning"]
SEVERITIES: tuple[Severity, ...] = ("critical", "major", "minor", "warning")


@dataclass(frozen=True, slots=True)
class Instant:
    """All readings of one device that share a timestamp; a rule looks at them together (``lon`` with ``lat``)."""

    ts: int
    values: Mapping[str, Value]


def instants(readings: Iterable[Reading]) -> list[Instant]:
    """Readings in timestamp order, grouped by timestamp; of two readings of one key at one instant the later wins."""
    out: list[Instant] = []
    values: dict[str, Value] = {}
    current: int | None = None
    for reading in sorted(readings, key=lambda r: r.ts):
        if reading.ts != current:
            if current is not None:
                out.append(Instant(current, values))
            current, values = reading.ts, {}
        values[reading.key] = reading.value
    if current is not None:
        out.append(Instant(current, values))
    return out


@dataclass(frozen=True, slots=True)
class Tick:
    """A scheduler pass over the latest-values table: time has passed, perhaps without any new reading.

    ``last_seen_ms`` is the device's newest reading of any key, ``last_values`` its newest reading per key.
    """

    now_ms: int
    last_seen_ms: int | None = None
    last_values: Mapping[str, Reading] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Truth:
    """Whether a condition holds at some instant, and since when.

    ``since`` is when the current answer began: for a true condition the start of the alarm (when the condition
    began, not when a hold time elapsed); for a false one when it stopped being true. None when unknown.
    """

    active: bool
    since: int | None = None


FALSE = Truth(False)


@dataclass(frozen=True, slots=True)
class Description:
    """Why a condition is (or is no longer) true, in English and Korean, with the values involved."""

    en: str
    ko: str
    values: Mapping[str, JsonValue] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        return {"en": self.en, "ko": self.ko, "values": dict(self.values)}


@dataclass(frozen=True, slots=True)
class Raised:
    """A rule's condition began at ``start_ts`` (a reading's time, or a time derived from readings)."""

    rule_id: str
    alarm_type: str
    severity: Severity
    start_ts: int
    details: JsonObject = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cleared:
    """A rule's condition ended at ``end_ts``."""

    rule_id: str
    alarm_type: str
    end_ts: int
    details: JsonObject = field(default_factory=dict)


Transition = Raised | Cleared

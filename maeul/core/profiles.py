"""Device profiles: the keys a kind of device reports, with unit, type and valid range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from maeul.core.readings import Reading, Rejection

ValueType = Literal["number", "boolean", "string"]


@dataclass(frozen=True, slots=True)
class KeySpec:
    key: str
    type: ValueType = "number"
    unit: str | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    """What a device of this profile may send; ``accept_any_numeric`` admits undeclared numeric keys."""

    keys: dict[str, KeySpec]
    accept_any_numeric: bool = False

    @classmethod
    def from_list(cls, keys: list[KeySpec], accept_any_numeric: bool = False) -> ProfileSpec:
        return cls({k.key: k for k in keys}, accept_any_numeric)


def check_reading(reading: Reading, spec: ProfileSpec) -> Rejection | None:
    """Why this reading does not fit the profile, or None if it does."""
    key_spec = spec.keys.get(reading.key)
    if key_spec is None:
        if spec.accept_any_numeric:
            if reading.is_numeric:
                return None
            return Rejection(f"{reading.key}: undeclared keys must be numeric", reading.key, reading.ts)
        allowed = ", ".join(sorted(spec.keys)) or "(none)"
        return Rejection(
            f"{reading.key}: not a key of this device's profile (allowed: {allowed})", reading.key, reading.ts
        )
    value = reading.value
    if key_spec.type == "string":
        return None if isinstance(value, str) else Rejection(f"{reading.key}: expected text", reading.key, reading.ts)
    if not isinstance(value, float):
        return Rejection(f"{reading.key}: expected a {key_spec.type}, got text", reading.key, reading.ts)
    if key_spec.type == "boolean" and value not in (0.0, 1.0):
        return Rejection(f"{reading.key}: expected true/false or 1/0, got {value:g}", reading.key, reading.ts)
    if key_spec.min is not None and value < key_spec.min:
        return Rejection(f"{reading.key}: {value:g} is below the minimum {key_spec.min:g}", reading.key, reading.ts)
    if key_spec.max is not None and value > key_spec.max:
        return Rejection(f"{reading.key}: {value:g} is above the maximum {key_spec.max:g}", reading.key, reading.ts)
    return None


def validate(readings: list[Reading], spec: ProfileSpec) -> tuple[list[Reading], list[Rejection]]:
    """Split readings into those the profile accepts and those it rejects (with reasons)."""
    accepted: list[Reading] = []
    rejected: list[Rejection] = []
    for reading in readings:
        problem = check_reading(reading, spec)
        if problem is None:
            accepted.append(reading)
        else:
            rejected.append(problem)
    return accepted, rejected

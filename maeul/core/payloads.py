"""Parse telemetry payloads in the forms integrators already send to ThingsBoard.

Accepted forms:
- ``{"temperature": 21.5, "motion": 1}``: values at the time of receipt;
- ``{"ts": 1732300000000, "values": {...}}``: values at a Unix time in milliseconds;
- a JSON array of either (a batch).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from maeul.core.readings import MAX_FUTURE_MS, MIN_TS_MS, Reading, Rejection

RESERVED_KEYS = frozenset({"ts", "values"})  # they select the timestamped form
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
MAX_READINGS = 10_000
MAX_STRING = 1_000


class PayloadError(ValueError):
    """The message as a whole cannot be used (not JSON, wrong shape, too large)."""


@dataclass(slots=True)
class ParsedPayload:
    readings: list[Reading] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def _value(key: str, raw: Any) -> float | str | Rejection:
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, int | float):
        number = float(raw)
        if not math.isfinite(number):
            return Rejection(f"{key}: value is not a finite number", key=key)
        return number
    if isinstance(raw, str):
        if len(raw) > MAX_STRING:
            return Rejection(f"{key}: text longer than {MAX_STRING} characters", key=key)
        if "\x00" in raw:
            return Rejection(f"{key}: text contains a NUL character", key=key)
        return raw
    kind = "null" if raw is None else type(raw).__name__
    return Rejection(f"{key}: unsupported value of type {kind}", key=key)


def _timestamp(raw: Any, now_ms: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise PayloadError('"ts" must be Unix time in milliseconds (a number)')
    ts = int(raw)
    if ts < MIN_TS_MS:
        raise PayloadError(f'"ts" {ts} is before 2000-01-01; send milliseconds, not seconds')
    if ts > now_ms + MAX_FUTURE_MS:
        raise PayloadError(f'"ts" {ts} is more than a day in the future')
    return ts


def _entry(entry: Any, now_ms: int, out: ParsedPayload) -> None:
    if not isinstance(entry, dict):
        raise PayloadError("each entry must be a JSON object")
    if "values" in entry or "ts" in entry:
        extra = set(entry) - {"ts", "values"}
        if "values" not in entry or not isinstance(entry["values"], dict):
            raise PayloadError('an entry with "ts" needs "values" as an object')
        if extra:
            raise PayloadError(f'unexpected field(s) beside "ts" and "values": {", ".join(sorted(extra))}')
        ts = _timestamp(entry["ts"], now_ms) if "ts" in entry else now_ms
        values: dict[Any, Any] = entry["values"]
    else:
        ts, values = now_ms, entry
    for key, raw in values.items():
        if not KEY_PATTERN.fullmatch(key):
            out.rejections.append(Rejection(f"invalid key {key[:80]!r}: use 1-64 of A-Z a-z 0-9 _ . -", ts=ts))
            continue
        value = _value(key, raw)
        if isinstance(value, Rejection):
            out.rejections.append(Rejection(value.reason, key=key, ts=ts))
        else:
            out.readings.append(Reading(key, ts, value))


def parse_payload(data: bytes | str, now_ms: int) -> ParsedPayload:
    """Parse one message; raise :class:`PayloadError` if nothing in it can be used."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"not valid JSON: {exc}") from None
    return parse_document(document, now_ms)


def parse_document(document: Any, now_ms: int) -> ParsedPayload:
    """Parse an already-decoded JSON document (see :func:`parse_payload`)."""
    entries = document if isinstance(document, list) else [document]
    if not entries:
        raise PayloadError("empty batch")
    out = ParsedPayload()
    for entry in entries:
        _entry(entry, now_ms, out)
        if len(out.readings) > MAX_READINGS:
            raise PayloadError(f"more than {MAX_READINGS} readings in one message")
    if not out.readings and not out.rejections:
        raise PayloadError("no readings in message")
    return out

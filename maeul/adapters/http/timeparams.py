"""Parse time parameters: ISO 8601 (with or without offset; naive means the tenant's zone) or epoch ms."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from maeul.adapters.http.errors import ApiError

EPOCH_MS = re.compile(r"-?[0-9]{1,18}")
# 1970-01-01 up to a day before 9999-12-31: every instant here converts to a date in any time zone.
MIN_MS, MAX_MS = 0, 253_402_214_400_000


def parse_time(value: str | None, name: str, default: int, timezone: str) -> int:
    if value is None or value == "":
        return default
    text = value.strip()
    if EPOCH_MS.fullmatch(text):
        ms = int(text)
    else:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(
                422, "invalid", f"{name}={value!r}: use ISO 8601 (2026-11-23T09:00+09:00) or epoch ms"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
        ms = int(parsed.timestamp() * 1000)
    if not MIN_MS <= ms <= MAX_MS:
        raise ApiError(422, "invalid", f"{name}={value!r} is outside 1970-01-01 .. 9999-12-30")
    return ms


def iso(ts_ms: int, timezone: str) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=ZoneInfo(timezone)).isoformat(timespec="milliseconds")

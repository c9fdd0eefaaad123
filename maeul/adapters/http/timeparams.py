"""Parse time parameters: ISO 8601 (with or without offset; naive means the tenant's zone) or epoch ms."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from maeul.adapters.http.errors import ApiError


def parse_time(value: str | None, name: str, default: int, timezone: str) -> int:
    if value is None or value == "":
        return default
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(422, "invalid", f"{name}={value!r}: use ISO 8601 (2026-11-23T09:00+09:00) or epoch ms") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return int(parsed.timestamp() * 1000)


def iso(ts_ms: int, timezone: str) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=ZoneInfo(timezone)).isoformat(timespec="milliseconds")

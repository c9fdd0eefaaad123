"""Heat-wave days for the homes (pure): which hubs must be told that a heat wave began or ended, and when a
local day begins. The weather warnings say where a heat wave is on (``maeul.services.warnings.heat``); the
detection keeps the flag it is sent (``detection/climate.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def flag_changes(desired: Mapping[int, bool], current: Mapping[int, float | None]) -> dict[int, bool]:
    """The hubs whose ``heat_wave`` value must be sent: those whose newest value (none: off) is not the one
    wanted. A hub not in ``desired`` is left alone."""
    out: dict[int, bool] = {}
    for hub, on in sorted(desired.items()):
        value = current.get(hub)
        if on != (value is not None and value >= 0.5):
            out[hub] = on
    return out


def local_midnight_ms(now_ms: int, timezone: str) -> int:
    """The start (Unix ms) of the local day that contains ``now_ms``."""
    local = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(ZoneInfo(timezone))
    return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)

"""The benchmark workload: which devices send what, shared by the ceilings and the end-to-end run."""

from __future__ import annotations

from collections.abc import Sequence

TENANT = "bench"
KEYS: tuple[str, ...] = ("temperature", "humidity", "co2", "pm25", "noise", "lux", "pressure", "battery")
DEFAULT_READINGS = 4  # the message: 4 readings (one home, four sensors)
RETENTION_DAYS = 365  # the tenant default: telemetry_r365 on PostgreSQL


def keys_for(readings: int) -> tuple[str, ...]:
    if not 1 <= readings <= len(KEYS):
        raise ValueError(f"readings per message must be 1..{len(KEYS)}")
    return KEYS[:readings]


def make_payload(ts_ms: int, keys: Sequence[str]) -> bytes:
    """``{"ts": <ms>, "values": {"temperature": 21.3, ...}}``: the ThingsBoard-style form Maeul accepts."""
    base = (ts_ms % 997) / 10.0
    values = ",".join(f'"{key}":{base + i:.1f}' for i, key in enumerate(keys))
    return b'{"ts":%d,"values":{%s}}' % (ts_ms, values.encode())


def split(items: Sequence[int], parts: int) -> list[list[int]]:
    """``items`` dealt round-robin into ``parts`` non-empty lists (fewer if there are fewer items)."""
    parts = max(1, min(parts, len(items)))
    return [list(items[i::parts]) for i in range(parts)]


def markers(device_ids: Sequence[int], count: int) -> list[int]:
    """``count`` devices spread evenly over ``device_ids``: the latency phase watches their rows."""
    count = max(1, min(count, len(device_ids)))
    step = len(device_ids) / count
    return [device_ids[int(i * step)] for i in range(count)]

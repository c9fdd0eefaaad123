"""A device's state on the map and in lists, from its last reading and its active alarms (pure)."""

from __future__ import annotations

from enum import StrEnum

STALE_AFTER_MS = 60 * 60 * 1000  # silent for an hour: shown as silent


class DeviceState(StrEnum):
    OK = "ok"  # reporting, no active alarm
    ALARM = "alarm"  # an active alarm of the device
    STALE = "stale"  # no reading for a while
    NEW = "new"  # never sent anything


LABELS = {
    DeviceState.OK: ("정상 보고 중", "Reporting"),
    DeviceState.ALARM: ("경보 발생", "Active alarm"),
    DeviceState.STALE: ("응답 없음", "Silent"),
    DeviceState.NEW: ("자료 없음", "No data yet"),
}


def device_state(
    last_ts: int | None, now_ms: int, active_alarms: int, stale_after_ms: int = STALE_AFTER_MS
) -> DeviceState:
    """An active alarm wins, then silence, then never-reported; else the device is fine."""
    if active_alarms > 0:
        return DeviceState.ALARM
    if last_ts is None:
        return DeviceState.NEW
    if now_ms - last_ts > stale_after_ms:
        return DeviceState.STALE
    return DeviceState.OK


def state_label(state: DeviceState, language: str) -> str:
    ko, en = LABELS[state]
    return ko if language == "ko" else en

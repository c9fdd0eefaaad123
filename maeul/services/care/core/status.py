"""Wellbeing status of a home: the levels, how an alarm maps to one, and how the live status is decided.

Device health (a silent sensor, a low battery) is its own status, ``device_fault``: it never reads as the
person's state, and any sign of the person's trouble outranks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

KST = timezone(timedelta(hours=9), "KST")  # Korea keeps no daylight saving time
HOUR_MS = 3_600_000


class Status(StrEnum):
    NORMAL = "normal"
    AWAY = "away"
    DEVICE_FAULT = "device_fault"
    ATTENTION = "attention"
    WARNING = "warning"
    DANGER = "danger"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label_ko(self) -> str:
        return _LABEL_KO[self]


_RANK = {
    Status.NORMAL: 0,
    Status.AWAY: 1,
    Status.DEVICE_FAULT: 2,
    Status.ATTENTION: 3,
    Status.WARNING: 4,
    Status.DANGER: 5,
}
_LABEL_KO = {
    Status.NORMAL: "정상",
    Status.AWAY: "외출",
    Status.DEVICE_FAULT: "장치 이상",
    Status.ATTENTION: "관심",
    Status.WARNING: "주의",
    Status.DANGER: "위험",
}

IMMEDIATE_WORDS = ("emergency", "button", "smoke", "fire", "gas", "fall")
DEVICE_WORDS = ("device", "heartbeat", "battery", "offline", "stuck", "sensor_fault", "silent")
SEVERITY_STATUS = {"critical": Status.DANGER, "major": Status.WARNING, "minor": Status.ATTENTION}
DEFAULT_TIERS_H = (8.0, 12.0, 24.0)  # attention, warning, danger: the tiers staff know
DEVICE_SILENT_H = 2.0


def classify(alarm_type: str, severity: str, details: Mapping[str, object]) -> Status:
    """The status an active alarm puts its home in (the alarm may say so itself in ``details.care_status``)."""
    named = details.get("care_status")
    values = details.get("values")
    if named is None and isinstance(values, Mapping):  # a rule kind's description: {"en", "ko", "values"}
        named = values.get("status")
    # An active alarm is never "normal" (a description may be written when the condition ends).
    if isinstance(named, str) and named != Status.NORMAL.value and named in Status.__members__.values():
        return Status(named)
    lowered = alarm_type.lower()
    if any(word in lowered for word in DEVICE_WORDS):
        return Status.DEVICE_FAULT
    if "away" in lowered:
        return Status.AWAY
    if any(word in lowered for word in IMMEDIATE_WORDS):
        return Status.DANGER
    return SEVERITY_STATUS.get(severity, Status.ATTENTION)


def local_hhmm(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1000, UTC).astimezone(KST).strftime("%H:%M")


def _duration(ms: int) -> tuple[str, str]:
    hours, minutes = divmod(max(0, ms) // 60_000, 60)
    return f"{hours}시간 {minutes}분", f"{hours} h {minutes} min"


@dataclass(frozen=True, slots=True)
class ActiveAlarm:
    id: int
    type: str
    severity: str
    start_ts: int
    details: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reason_ko: str
    reason_en: str
    alarm_id: int | None = None


@dataclass(frozen=True, slots=True)
class HomeFacts:
    """What the live status is decided from."""

    now: int
    alarms: Sequence[ActiveAlarm] = ()
    last_motion_ts: int | None = None
    silent_devices: Sequence[tuple[str, int | None]] = ()  # (device name, last reading ts or None)
    away_until: int | None = None
    tiers_h: tuple[float, float, float] = DEFAULT_TIERS_H


KNOWN_REASONS = {
    "care_emergency_button": ("응급 호출 버튼이 눌렸습니다", "the emergency button was pressed"),
    "care_smoke": ("연기가 감지되었습니다", "smoke detected"),
    "care_gas": ("가스 누출이 감지되었습니다", "gas leak detected"),
}


def _alarm_reason(alarm: ActiveAlarm) -> tuple[str, str]:
    ko, en = alarm.details.get("reason_ko"), alarm.details.get("reason_en")
    if not (ko or en) and alarm.type in KNOWN_REASONS:
        known_ko, known_en = KNOWN_REASONS[alarm.type]
        since = local_hhmm(alarm.start_ts)
        return f"{known_ko} ({since})", f"{known_en} ({since})"
    ko, en = ko or alarm.details.get("ko"), en or alarm.details.get("en")
    generic = alarm.details.get("reason")
    since = local_hhmm(alarm.start_ts)
    return (
        str(ko or generic or f"{alarm.type} 경보 ({since}부터)"),
        str(en or generic or f"{alarm.type} alarm since {since}"),
    )


def inactivity(facts: HomeFacts) -> Verdict | None:
    """The fixed no-movement tiers (8 h attention, 12 h warning, 24 h danger unless set per home)."""
    if facts.last_motion_ts is None:
        return None
    idle = facts.now - facts.last_motion_ts
    levels = zip((Status.ATTENTION, Status.WARNING, Status.DANGER), facts.tiers_h, strict=True)
    reached = [status for status, hours in levels if idle >= hours * HOUR_MS]
    if not reached:
        return None
    ko, en = _duration(idle)
    since = local_hhmm(facts.last_motion_ts)
    return Verdict(reached[-1], f"{since} 이후 움직임 없음 ({ko})", f"no movement since {since} ({en})")


def decide(facts: HomeFacts) -> Verdict:
    """The home's status now: the most severe of its alarms, the inactivity tiers, away mode and device health."""
    candidates: list[Verdict] = []
    for alarm in facts.alarms:
        ko, en = _alarm_reason(alarm)
        candidates.append(Verdict(classify(alarm.type, alarm.severity, alarm.details), ko, en, alarm.id))
    away = facts.away_until is not None and facts.away_until > facts.now
    if away:
        until = local_hhmm(facts.away_until or 0)
        candidates.append(Verdict(Status.AWAY, f"외출 모드 ({until}까지)", f"away mode until {until}"))
    else:
        tier = inactivity(facts)
        if tier is not None:
            candidates.append(tier)
    for name, last in facts.silent_devices:
        if last is None:
            candidates.append(Verdict(Status.DEVICE_FAULT, f"{name}: 수신 기록 없음", f"{name}: never reported"))
        else:
            at = local_hhmm(last)
            candidates.append(
                Verdict(Status.DEVICE_FAULT, f"{name}: {at} 이후 신호 없음", f"{name}: silent since {at}")
            )
    if not candidates:
        if facts.last_motion_ts is None:
            return Verdict(Status.NORMAL, "이상 없음", "all well")
        at = local_hhmm(facts.last_motion_ts)
        return Verdict(Status.NORMAL, f"이상 없음 (마지막 움직임 {at})", f"all well (last movement {at})")
    # Away mode hides inactivity but not alarms: pick the most severe; among equals the earliest alarm.
    return max(candidates, key=lambda v: v.status.rank)

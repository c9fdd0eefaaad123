"""Message texts in Korean and English for alarm notifications and digests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from maeul.core.alarms import Severity
from maeul.core.notify.model import Kind
from maeul.core.notify.quiet import zone

SEVERITY_KO = {Severity.CRITICAL: "긴급", Severity.MAJOR: "중요", Severity.MINOR: "경미", Severity.WARNING: "주의"}
SEVERITY_EN = {
    Severity.CRITICAL: "Critical",
    Severity.MAJOR: "Major",
    Severity.MINOR: "Minor",
    Severity.WARNING: "Warning",
}
ORIGINATOR_KO = {"device": "장치", "household": "가구", "site": "시설", "district": "지역", "group": "그룹"}
MAX_DETAILS = 6
MAX_DIGEST_LINES = 40


@dataclass(frozen=True, slots=True)
class AlarmView:
    """What a message says about an alarm."""

    alarm_id: int
    type: str
    severity: Severity
    originator_kind: str
    originator_name: str
    start_ts: int
    tenant_name: str = ""
    details: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """What happened: the kind, and for escalations, upgrades, clears and assignments the particulars."""

    kind: Kind
    at: int
    step: int = 0
    previous_severity: Severity | None = None
    assignee: str | None = None


@dataclass(frozen=True, slots=True)
class Texts:
    """Subject and body in both languages."""

    subject_ko: str
    subject_en: str
    body_ko: str
    body_en: str


def local_time(ts: int, timezone: str) -> str:
    """``2026-11-18 17:26 KST``: an instant as the tenant reads it."""
    local = datetime.fromtimestamp(ts / 1000, zone(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or timezone}"


def _where(alarm: AlarmView) -> tuple[str, str]:
    kind_ko = ORIGINATOR_KO.get(alarm.originator_kind, alarm.originator_kind)
    return f"{kind_ko} {alarm.originator_name}", f"{alarm.originator_kind} {alarm.originator_name}"


def _details(details: Mapping[str, object]) -> str:
    parts = [f"{k}={v}" for k, v in details.items() if isinstance(v, str | int | float | bool)]
    return ", ".join(parts[:MAX_DETAILS])


def _headline(alarm: AlarmView, event: Event) -> tuple[str, str]:
    sev_ko, sev_en = SEVERITY_KO[alarm.severity], SEVERITY_EN[alarm.severity]
    minutes = max(0, (event.at - alarm.start_ts) // 60_000)
    if event.kind is Kind.ESCALATED:
        return (
            f"미확인 {sev_ko} 경보 ({event.step + 1}단계, {minutes}분 경과)",
            f"Unacknowledged {sev_en.lower()} alarm (step {event.step + 1}, {minutes} min)",
        )
    if event.kind is Kind.UPGRADED:
        before = event.previous_severity
        ko = f"{SEVERITY_KO[before]} → {sev_ko}" if before else sev_ko
        en = f"{SEVERITY_EN[before]} → {sev_en}" if before else sev_en
        return f"경보 격상 ({ko})", f"Alarm upgraded ({en})"
    if event.kind is Kind.CLEARED:
        return f"경보 해제 ({sev_ko})", f"Alarm cleared ({sev_en.lower()})"
    if event.kind is Kind.ASSIGNED:
        return f"경보 담당 배정 ({sev_ko})", f"Alarm assigned to you ({sev_en.lower()})"
    return f"{sev_ko} 경보 발생", f"{sev_en} alarm raised"


def render(alarm: AlarmView, event: Event, timezone: str) -> Texts:
    """The texts of one alarm notification (raised, upgraded, escalated, cleared, assigned)."""
    head_ko, head_en = _headline(alarm, event)
    where_ko, where_en = _where(alarm)
    started = local_time(alarm.start_ts, timezone)
    lines_ko = [f"{where_ko}: '{alarm.type}' {head_ko}", f"심각도: {SEVERITY_KO[alarm.severity]}", f"발생: {started}"]
    lines_en = [f"{where_en}: '{alarm.type}' — {head_en}", f"Severity: {SEVERITY_EN[alarm.severity]}"]
    lines_en.append(f"Raised: {started}")
    if event.kind is Kind.CLEARED:
        lines_ko.append(f"해제: {local_time(event.at, timezone)}")
        lines_en.append(f"Cleared: {local_time(event.at, timezone)}")
    detail = _details(alarm.details)
    if detail:
        lines_ko.append(f"상세: {detail}")
        lines_en.append(f"Details: {detail}")
    if event.kind in (Kind.RAISED, Kind.ESCALATED, Kind.UPGRADED, Kind.ASSIGNED):
        lines_ko.append("확인 후 인수(확인) 처리해 주십시오.")
        lines_en.append("Please check and acknowledge the alarm.")
    if alarm.tenant_name:
        lines_ko.append(f"— {alarm.tenant_name}, 경보 #{alarm.alarm_id}")
        lines_en.append(f"— {alarm.tenant_name}, alarm #{alarm.alarm_id}")
    return Texts(
        subject_ko=f"[마을] {head_ko}: {alarm.type} ({where_ko})",
        subject_en=f"[Maeul] {head_en}: {alarm.type} ({where_en})",
        body_ko="\n".join(lines_ko),
        body_en="\n".join(lines_en),
    )


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One folded message: when it was meant to go and its subjects."""

    at: int
    subject_ko: str
    subject_en: str


def render_digest(items: Sequence[DigestItem], window_start: int, window_end: int, timezone: str) -> Texts:
    """One message listing the folded notifications, oldest first (long lists end with a count of the rest)."""
    ordered = sorted(items, key=lambda i: i.at)
    shown, hidden = ordered[:MAX_DIGEST_LINES], len(ordered) - MAX_DIGEST_LINES
    lines_ko = [f"- {local_time(i.at, timezone)[11:16]} {i.subject_ko}" for i in shown]
    lines_en = [f"- {local_time(i.at, timezone)[11:16]} {i.subject_en}" for i in shown]
    if hidden > 0:
        lines_ko.append(f"… 외 {hidden}건")
        lines_en.append(f"… and {hidden} more")
    span = f"{local_time(window_start, timezone)} – {local_time(window_end, timezone)[11:]}"
    count = len(ordered)
    intro_ko = f"알림이 많아 {count}건을 모아 보냅니다 ({span})."
    intro_en = f"Many alarms: {count} notifications collected in one message ({span})."
    return Texts(
        subject_ko=f"[마을] 경보 요약: {count}건",
        subject_en=f"[Maeul] Alarm digest: {count} notifications",
        body_ko="\n".join([intro_ko, "", *lines_ko]),
        body_en="\n".join([intro_en, "", *lines_en]),
    )

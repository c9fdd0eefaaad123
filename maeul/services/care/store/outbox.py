"""Messages the care service queues on the platform's notification outbox: family members (by their preferences:
each alert level they chose or above, once per level an alarm reaches; the emergency service called; a response
closed) and the emergency service's webhook. Texts name the home by its label and district, never a person."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from maeul.adapters.notify.message import Notification
from maeul.adapters.sql import notify_outbox as store
from maeul.platform.notify.wakeup import mark_queued
from maeul.services.care.core.family import FAMILY_LEVELS
from maeul.services.care.crypto import FieldCipher
from maeul.services.care.store.personal import family_addresses
from maeul.services.care.tables import care_settings

TEXTS = {
    "attention": (
        "관심이 필요한 상황이 감지되어 담당자가 살펴보고 있습니다",
        "something that needs attention was detected; staff are looking into it",
    ),
    "warning": (
        "주의 단계의 이상이 감지되어 담당자가 확인 중입니다",
        "a warning-level sign of trouble; staff are checking",
    ),
    "danger": ("위험 상태가 감지되어 담당자가 확인 중입니다", "a dangerous situation was detected; staff are checking"),
    "emergency": ("응급 출동을 요청했습니다", "the emergency service has been called"),
    "closed": ("상황이 종료되었습니다", "the situation has been resolved"),
}


def _row(
    tenant_id: str,
    nid: str,
    response: dict[str, Any],
    recipient: str,
    channel: str,
    address: str,
    note: Notification,
    now: int,
) -> dict[str, Any]:
    return {
        "id": nid,
        "tenant_id": tenant_id,
        "alarm_id": response.get("alarm_id"),
        "kind": "care",
        "step": None,
        "recipient": recipient,
        "recipient_name": recipient,
        "channel": channel,
        "address": address,
        "severity": response.get("severity"),
        "notification": note.to_dict(),
        "fallbacks": [],
        "status": "pending",
        "deferred": None,
        "digest_id": None,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def notify_family(
    conn: Connection, cipher: FieldCipher, response: dict[str, Any], home: dict[str, Any], event: str, now: int
) -> int:
    """Queue ``event`` (emergency, closed) of a response for each family member who asked for it; returns how
    many."""
    return _family(conn, cipher, response, home, event, f"r{response['id']}", now)


def notify_family_level(
    conn: Connection,
    cipher: FieldCipher,
    alarm: dict[str, Any],
    response: dict[str, Any] | None,
    home: dict[str, Any],
    level: str,
    now: int,
) -> int:
    """Queue an alarm of the home at ``level`` (its status: attention, warning or danger; others are not told) for
    each family member whose chosen level is this one or lower; once per alarm and level (the message id)."""
    if level not in FAMILY_LEVELS:
        return 0
    about = {
        "tenant_id": alarm["tenant_id"],
        "id": response["id"] if response is not None else None,
        "alarm_id": alarm["id"],
        "severity": alarm["severity"],
    }
    return _family(conn, cipher, about, home, level, f"a{alarm['id']}", now)


def _family(
    conn: Connection,
    cipher: FieldCipher,
    response: dict[str, Any],
    home: dict[str, Any],
    event: str,
    key: str,
    now: int,
) -> int:
    tenant_id = response["tenant_id"]
    ko, en = TEXTS[event]
    rows = []
    for member in family_addresses(conn, cipher, tenant_id, home["id"], event):
        nid = f"{tenant_id}.care.{key}.{event}.f{member['id']}.{member['channel']}"
        note = Notification(
            id=nid,
            channel=member["channel"],
            recipient=member["address"],
            subject_ko=f"[마을 돌봄] {home['code']} 가구",
            subject_en=f"[Maeul care] household {home['code']}",
            body_ko=f"{home['code']} 가구: {ko}.",
            body_en=f"Household {home['code']}: {en}.",
            language=member["language"],
            data={
                "service": "care",
                "event": event,
                "response_id": response["id"],
                "alarm_id": response.get("alarm_id"),
                "household": home["code"],
            },
            created_at=now,
        )
        rows.append(_row(tenant_id, nid, response, f"f{member['id']}", member["channel"], member["address"], note, now))
    written = store.insert_outbox(conn, rows) if rows else 0
    if written:
        mark_queued(conn)
    return written


def emergency_url(conn: Connection, tenant_id: str) -> str | None:
    return conn.execute(select(care_settings.c.emergency_url).where(care_settings.c.tenant_id == tenant_id)).scalar()


def call_emergency(conn: Connection, response: dict[str, Any], home: dict[str, Any], now: int) -> bool:
    """Queue the webhook to 119 or the local dispatch system (set in the care settings); False if none is set."""
    url = emergency_url(conn, response["tenant_id"])
    if not url:
        return False
    tenant_id = response["tenant_id"]
    nid = f"{tenant_id}.care.r{response['id']}.emergency.webhook"
    note = Notification(
        id=nid,
        channel="webhook",
        recipient=url,
        subject_ko=f"[마을 돌봄] 응급 출동 요청: {home['code']} 가구",
        subject_en=f"[Maeul care] emergency dispatch requested: household {home['code']}",
        body_ko=f"{home['code']} 가구 ({home['district_code']}): {response['alarm_type']} — 방문 확인 후 출동 요청.",
        body_en=f"Household {home['code']} ({home['district_code']}): {response['alarm_type']}, after a visit.",
        language="both",
        data={
            "service": "care",
            "event": "emergency",
            "response_id": response["id"],
            "household": home["code"],
            "district_code": home["district_code"],
            "alarm_type": response["alarm_type"],
            "severity": response["severity"],
        },
        created_at=now,
    )
    written = store.insert_outbox(conn, [_row(tenant_id, nid, response, "emergency", "webhook", url, note, now)])
    if written:
        mark_queued(conn)
    return bool(written)

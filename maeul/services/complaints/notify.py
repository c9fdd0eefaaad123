"""Telling reporters about their request: one message per public change, through the core notification outbox.

Rows go into ``notify_outbox`` with no alarm (``alarm_id`` null, kind ``complaint``); the platform's dispatchers
deliver them over the tenant's e-mail and SMS channels with their retries and delivery log. Reporters of
requests merged into this one, and residents following it or a request merged into it, get the same message.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from maeul.adapters.notify.message import Notification
from maeul.adapters.sql import notify_outbox as outbox
from maeul.platform.notify.wakeup import mark_queued
from maeul.services.complaints import requests_repo
from maeul.services.complaints.workflow import LABELS, Status

KIND = "complaint"


def texts(request: dict[str, Any], status: Status, public_text: str | None) -> tuple[str, str, str, str]:
    ko_status, en_status = LABELS[status]
    number = request["id"]
    subject_ko = f"[민원 {number}] {ko_status}"
    subject_en = f"[Request {number}] {en_status}"
    body_ko = f"접수하신 민원({request.get('service_name') or ''})의 상태가 '{ko_status}'(으)로 바뀌었습니다."
    body_en = f"Your request ({request.get('service_name') or ''}) is now {en_status}."
    if public_text:
        body_ko += f"\n\n{public_text}"
        body_en += f"\n\n{public_text}"
    return subject_ko, subject_en, body_ko, body_en


def queue_update(
    conn: Connection, tenant_id: str, request: dict[str, Any], event_id: int, status: Status, public_text: str | None,
    now: int,
) -> int:  # fmt: skip
    """Queue the messages of one change to every reporter concerned; returns how many were queued."""
    subject_ko, subject_en, body_ko, body_en = texts(request, status, public_text)
    from maeul.services.complaints.follow import followers

    rows = []
    reporters = [(f"r{r['id']}", r) for r in requests_repo.merged_reporters(conn, tenant_id, int(request["id"]))]
    reporters += [(f"f{f['id']}", f) for f in followers(conn, tenant_id, int(request["id"]))]
    for who, reporter in reporters:
        for channel, address in (("email", reporter["email"]), ("sms", reporter["phone"])):
            if not address:
                continue
            nid = f"{tenant_id}.cp.{request['id']}.{event_id}.{who}.{channel}"
            note = Notification(
                id=nid, channel=channel, recipient=who, subject_ko=subject_ko,  # type: ignore[arg-type]
                subject_en=subject_en, body_ko=body_ko, body_en=body_en, language="both",
                data={"tenant": tenant_id, "kind": KIND, "request_id": request["id"], "status": status.value},
                created_at=now,
            )  # fmt: skip
            rows.append(
                {
                    "id": nid, "tenant_id": tenant_id, "alarm_id": None, "kind": KIND, "step": None,
                    "recipient": who,
                    "recipient_name": "민원인 / reporter" if who[0] == "r" else "구독자 / follower", "channel": channel,
                    "address": address, "severity": None, "notification": note.to_dict(), "fallbacks": [],
                    "status": "pending", "deferred": None, "attempts": 0, "next_attempt_at": now,
                    "created_at": now, "last_error": None,
                }
            )  # fmt: skip
    if not rows:
        return 0
    written = outbox.insert_outbox(conn, rows)
    if written:
        mark_queued(conn)
    return written

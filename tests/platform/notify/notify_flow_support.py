"""Helpers of the notification flow tests: a tenant with staff and contacts, a clock, alarm shortcuts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from notify_support import Recorded
from sqlalchemy import Connection, Engine, func, select

from maeul.adapters.notify.webhook import verify_signature
from maeul.adapters.sql import accounts, alarms
from maeul.adapters.sql import notifications as repo
from maeul.adapters.sql.notify_tables import notify_attempts, notify_escalations, notify_outbox
from maeul.core.alarms import Occurrence, Severity
from maeul.core.roles import Role
from maeul.platform.notify import NotifyService
from maeul.platform.notify.models import ContactSpec, PolicySpec

TENANT = "namyangju"
SECRET = "namyangju-119-secret-0001"
SEOUL = ZoneInfo("Asia/Seoul")
MINUTE = 60_000


def kst(text: str) -> int:
    """Epoch ms of ``YYYY-MM-DD HH:MM`` in Seoul."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SEOUL).timestamp() * 1000)


def signed(request: Recorded) -> bool:
    """True if a webhook request carries a valid signature under the 119 endpoint's secret."""
    timestamp, signature = request.header("X-Maeul-Timestamp"), request.header("X-Maeul-Signature")
    return verify_signature(SECRET, timestamp, request.body, signature)


class Clock:
    """A clock the test moves: milliseconds since the epoch, starting on a weekday morning in Seoul."""

    def __init__(self, start: int | None = None) -> None:
        self.now = start if start is not None else kst("2026-11-20 10:00")

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> int:
        self.now += round(seconds * 1000)
        return self.now


@dataclass
class World:
    """The tenant's people: caseworker Kim (assignee), supervisor Lee (operator), the 119 webhook, a daughter."""

    kim: int
    lee: int
    hook_contact: int
    daughter: int
    hook_url: str


def channels(smtp_port: int, hook_url: str) -> dict[str, Any]:
    return {
        "email": {
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "from_address": "alarm@namyangju.example.kr",
            "helo_name": "maeul.test",
        },
        "webhook": {"endpoints": [{"url": hook_url, "secret": SECRET}], "timeout_s": 5, "connect_timeout_s": 2},
    }


def build_world(engine: Engine, smtp_port: int, hook_url: str) -> World:
    with engine.begin() as conn:
        accounts.create_tenant(conn, TENANT, "남양주시")
        kim = accounts.create_user(conn, TENANT, "kim", Role.CASEWORKER, display_name="김복지", email="kim@city.kr")
        lee = accounts.create_user(conn, TENANT, "lee", Role.OPERATOR, display_name="이팀장", email="lee@city.kr")
        accounts.create_user(conn, TENANT, "viewer", Role.VIEWER, email="viewer@city.kr")
        for name, config in channels(smtp_port, hook_url).items():
            repo.put_channel(conn, TENANT, name, config)
        hook = contact(conn, name="119 상황실", addresses={"webhook": hook_url}, channels=["webhook"])
        daughter = contact(
            conn,
            name="딸 (보호자)",
            addresses={"email": "daughter@family.kr"},
            channels=["email"],
            language="both",
            quiet_start="22:00",
            quiet_end="07:00",
        )
    return World(kim["id"], lee["id"], hook["id"], daughter["id"], hook_url)


def contact(conn: Connection, **values: Any) -> dict[str, Any]:
    """A contact validated as the API would."""
    return repo.create_contact(conn, TENANT, ContactSpec(**values).stored())


def policy(engine: Engine, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    values = {"name": "돌봄 경보", "alarm_type": "*", "min_severity": "warning", "steps": steps, "enabled": True}
    with engine.begin() as conn:
        return repo.create_policy(conn, TENANT, PolicySpec(**{**values, **extra}).stored())


def raise_(
    engine: Engine,
    service: NotifyService,
    severity: Severity = Severity.MAJOR,
    *,
    originator: int = 1,
    alarm_type: str = "no_motion",
    assignee: int | None = None,
    kind: str = "household",
) -> dict[str, Any]:
    """Raise an alarm (and assign it) in one transaction with the notification listener."""
    listeners = [service.listener]
    occurrence = Occurrence(TENANT, kind, originator, alarm_type, severity, service.clock(), {"hours": 12})
    with engine.begin() as conn:
        alarm, _ = alarms.raise_alarm(conn, occurrence, listeners=listeners)
        if assignee is not None:
            alarm = alarms.assign(conn, TENANT, alarm["id"], assignee, assignee, listeners=listeners)
    return alarm


def outbox(engine: Engine, **where: Any) -> list[dict[str, Any]]:
    query = select(notify_outbox).order_by(notify_outbox.c.created_at, notify_outbox.c.id)
    for column, value in where.items():
        query = query.where(notify_outbox.c[column] == value)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def attempts(engine: Engine, outbox_id: str) -> list[dict[str, Any]]:
    query = select(notify_attempts).where(notify_attempts.c.outbox_id == outbox_id).order_by(notify_attempts.c.id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def escalation(engine: Engine, alarm_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(notify_escalations).where(notify_escalations.c.alarm_id == alarm_id)).mappings()
        first = row.first()
    return dict(first) if first else None


def count_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(notify_outbox)).scalar_one())


def recipients(smtp: Any) -> list[str]:
    """Who got each received e-mail, in order."""
    return [address for mail in smtp.received for address in mail.rcpt_tos]

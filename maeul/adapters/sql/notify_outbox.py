"""The outbox, attempts, escalation state and rate windows; writes are guarded against concurrent workers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, false, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from maeul.adapters.sql.alarm_tables import alarm_events, alarms, entities
from maeul.adapters.sql.notify_tables import (
    notify_attempts,
    notify_contacts,
    notify_escalations,
    notify_outbox,
    notify_policies,
    notify_rate_windows,
    notify_templates,
)
from maeul.adapters.sql.tables import devices, tenants, users
from maeul.core.notify.storm import RateWindow

NOTIFIED_KINDS = ("raised", "escalated", "upgraded", "assigned")


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _insert_ignore(conn: Connection, table: Any) -> Any:
    return (postgresql.insert if _pg(conn) else sqlite.insert)(table).on_conflict_do_nothing()


def merged(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, each that names a template given its ``notification``: the template's texts, the row's own id,
    channel and address. Rows are changed in place and returned."""
    wanted = {r["template_id"] for r in rows if r.get("template_id") and r.get("notification") is None}
    if not wanted:
        return rows
    query = select(notify_templates.c.id, notify_templates.c.notification).where(notify_templates.c.id.in_(wanted))
    found = {str(key): dict(value) for key, value in conn.execute(query)}
    for row in rows:
        template = found.get(row.get("template_id") or "")
        if template is not None and row.get("notification") is None:
            row["notification"] = {**template, "id": row["id"], "channel": row["channel"], "recipient": row["address"]}
    return rows


# --- what planning reads ----------------------------------------------------------------------------------


def tenant_row(conn: Connection, tenant_id: str) -> dict[str, Any]:
    row = conn.execute(select(tenants.c.name, tenants.c.timezone).where(tenants.c.id == tenant_id)).mappings().one()
    return dict(row)


def directory_rows(conn: Connection, tenant_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(users, contacts) of the tenant."""
    user_rows = conn.execute(
        select(users.c.id, users.c.username, users.c.display_name, users.c.email, users.c.role, users.c.active).where(
            users.c.tenant_id == tenant_id
        )
    ).mappings()
    contact_rows = conn.execute(select(notify_contacts).where(notify_contacts.c.tenant_id == tenant_id)).mappings()
    return [dict(r) for r in user_rows], [dict(r) for r in contact_rows]


def policy_rows(conn: Connection, tenant_id: str, policy_id: int | None = None) -> list[dict[str, Any]]:
    query = select(notify_policies).where(notify_policies.c.tenant_id == tenant_id)
    if policy_id is not None:
        query = query.where(notify_policies.c.id == policy_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def originator_name(conn: Connection, kind: str, originator_id: int) -> str | None:
    table = devices if kind == "device" else entities
    return conn.execute(select(table.c.name).where(table.c.id == originator_id)).scalar_one_or_none()


def alarm_row(conn: Connection, alarm_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(alarms).where(alarms.c.id == alarm_id)).mappings().first()
    return dict(row) if row is not None else None


def add_alarm_event(conn: Connection, alarm: dict[str, Any], action: str, ts: int, details: dict[str, Any]) -> None:
    """A line in the alarm's history (escalated, notified) by the system."""
    conn.execute(
        insert(alarm_events).values(
            alarm_id=alarm["id"], tenant_id=alarm["tenant_id"], ts=ts, actor_id=None, action=action, details=details
        )
    )


# --- escalation state -------------------------------------------------------------------------------------


def get_escalation(conn: Connection, alarm_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(notify_escalations).where(notify_escalations.c.alarm_id == alarm_id)).mappings().first()
    return dict(row) if row is not None else None


def start_escalation(conn: Connection, values: dict[str, Any]) -> bool:
    """Record a new escalation; False if the alarm already has one."""
    return bool(conn.execute(_insert_ignore(conn, notify_escalations).values(**values)).rowcount)


def advance_escalation(
    conn: Connection, alarm_id: int, from_step: int, to_step: int, due_at: int | None, now: int
) -> bool:
    """Move from ``from_step`` to ``to_step``; False if another worker moved it first (or it was stopped)."""
    result = conn.execute(
        update(notify_escalations)
        .where(
            notify_escalations.c.alarm_id == alarm_id,
            notify_escalations.c.next_step == from_step,
            notify_escalations.c.stopped == false(),
        )
        .values(next_step=to_step, due_at=due_at, updated_at=now)
    )
    return bool(result.rowcount)


def stop_escalation(conn: Connection, alarm_id: int, reason: str, now: int) -> bool:
    result = conn.execute(
        update(notify_escalations)
        .where(notify_escalations.c.alarm_id == alarm_id, notify_escalations.c.stopped == false())
        .values(stopped=True, stop_reason=reason, due_at=None, updated_at=now)
    )
    return bool(result.rowcount)


def due_escalations(conn: Connection, now: int, limit: int = 100) -> list[int]:
    query = (
        select(notify_escalations.c.alarm_id)
        .where(notify_escalations.c.stopped == false(), notify_escalations.c.due_at <= now)
        .order_by(notify_escalations.c.due_at)
        .limit(limit)
    )
    return [int(a) for a in conn.execute(query).scalars()]


# --- rate windows -----------------------------------------------------------------------------------------


def rate_window(conn: Connection, tenant_id: str, recipient: str) -> RateWindow | None:
    """The recipient's window, locked until the transaction ends (the row is created if missing)."""
    conn.execute(
        _insert_ignore(conn, notify_rate_windows).values(
            tenant_id=tenant_id, recipient=recipient, window_start=0, count=0
        )
    )
    row = conn.execute(
        select(notify_rate_windows.c.window_start, notify_rate_windows.c.count)
        .where(notify_rate_windows.c.tenant_id == tenant_id, notify_rate_windows.c.recipient == recipient)
        .with_for_update()
    ).one()
    start, count = int(row[0]), int(row[1])
    return None if count == 0 else RateWindow(start, count)


def save_rate_window(conn: Connection, tenant_id: str, recipient: str, window: RateWindow) -> None:
    conn.execute(
        update(notify_rate_windows)
        .where(notify_rate_windows.c.tenant_id == tenant_id, notify_rate_windows.c.recipient == recipient)
        .values(window_start=window.start, count=window.count)
    )


# --- the outbox -------------------------------------------------------------------------------------------


def insert_outbox(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Add rows; a row whose id exists already is left alone (the same message is never queued twice)."""
    written = 0
    for row in rows:
        written += conn.execute(_insert_ignore(conn, notify_outbox).values(**row)).rowcount or 0
    return written


def insert_templates(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Add shared message texts (``notify_templates``); a template whose id exists already is left alone."""
    if rows:
        conn.execute(_insert_ignore(conn, notify_templates), list(rows))


def suppress_deferred(conn: Connection, alarm_id: int, now: int, reason: str) -> int:
    """Alarm messages still waiting for quiet hours to end (never tried) are no longer needed."""
    result = conn.execute(
        update(notify_outbox)
        .where(
            notify_outbox.c.alarm_id == alarm_id,
            notify_outbox.c.status == "pending",
            notify_outbox.c.deferred == "quiet_hours",
            notify_outbox.c.attempts == 0,
            notify_outbox.c.next_attempt_at > now,
            notify_outbox.c.kind.in_(NOTIFIED_KINDS),
        )
        .values(status="suppressed", last_error=reason)
    )
    return int(result.rowcount or 0)


def notified(conn: Connection, alarm_id: int) -> list[dict[str, Any]]:
    """Who was told about the alarm (or still will be), and where: one row per recipient, channel and address."""
    query = (
        select(
            notify_outbox.c.recipient,
            notify_outbox.c.recipient_name,
            notify_outbox.c.channel,
            notify_outbox.c.address,
            notify_outbox.c.notification,
        )
        .where(
            notify_outbox.c.alarm_id == alarm_id,
            notify_outbox.c.kind.in_(NOTIFIED_KINDS),
            notify_outbox.c.status.in_(("pending", "delivered", "digested")),
        )
        .order_by(notify_outbox.c.recipient, notify_outbox.c.channel, notify_outbox.c.created_at)
    )
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        seen.setdefault((row["recipient"], row["channel"], row["address"]), dict(row))
    return list(seen.values())


def claim(conn: Connection, now: int, lease_ms: int, limit: int, token: str) -> list[dict[str, Any]]:
    """Take up to ``limit`` due rows for ``lease_ms``; on PostgreSQL rows locked by other workers are skipped."""
    due = (
        select(notify_outbox.c.id)
        .where(
            notify_outbox.c.status == "pending",
            notify_outbox.c.next_attempt_at <= now,
            or_(notify_outbox.c.claimed_until.is_(None), notify_outbox.c.claimed_until <= now),
        )
        .order_by(notify_outbox.c.next_attempt_at)
        .limit(limit)
    )
    if _pg(conn):
        due = due.with_for_update(skip_locked=True)
    conn.execute(
        update(notify_outbox)
        .where(notify_outbox.c.id.in_(due.scalar_subquery()))
        .values(claimed_until=now + lease_ms, claim_token=token)
    )
    rows = conn.execute(select(notify_outbox).where(notify_outbox.c.claim_token == token)).mappings()
    return merged(conn, [dict(r) for r in rows])


def leased(conn: Connection, ids: Sequence[str], token: str) -> list[dict[str, Any]]:
    """The pending rows among ``ids`` still leased with ``token`` (written already leased, see the planner)."""
    if not ids:
        return []
    query = select(notify_outbox).where(
        notify_outbox.c.id.in_(list(ids)), notify_outbox.c.claim_token == token, notify_outbox.c.status == "pending"
    )
    return merged(conn, [dict(r) for r in conn.execute(query).mappings()])


def finish(conn: Connection, outbox_id: str, token: str, values: dict[str, Any]) -> bool:
    """Update a claimed row and release the claim; False if the claim was lost meanwhile."""
    result = conn.execute(
        update(notify_outbox)
        .where(notify_outbox.c.id == outbox_id, notify_outbox.c.claim_token == token)
        .values(**values, claimed_until=None, claim_token=None)
    )
    return bool(result.rowcount)


def add_attempt(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(notify_attempts).values(**values))


def first_attempt_at(conn: Connection, outbox_id: str) -> int | None:
    query = select(notify_attempts.c.ts).where(notify_attempts.c.outbox_id == outbox_id).order_by(notify_attempts.c.id)
    return conn.execute(query.limit(1)).scalar_one_or_none()


# --- digests ----------------------------------------------------------------------------------------------

_FOLDED = and_(notify_outbox.c.status == "digested", notify_outbox.c.digest_id.is_(None))
_GROUP = (notify_outbox.c.tenant_id, notify_outbox.c.recipient, notify_outbox.c.channel, notify_outbox.c.address)


def digest_groups(conn: Connection, now: int, limit: int = 100) -> list[tuple[str, str, str, str]]:
    """(tenant, recipient, channel, address) with folded messages whose window has ended."""
    query = select(*_GROUP).where(_FOLDED, notify_outbox.c.next_attempt_at <= now).group_by(*_GROUP).limit(limit)
    return [(r[0], r[1], r[2], r[3]) for r in conn.execute(query)]


def take_folded(conn: Connection, group: tuple[str, str, str, str], now: int, token: str) -> list[dict[str, Any]]:
    """Mark the group's released folded rows with ``token`` and return them (oldest first)."""
    match = [column == value for column, value in zip(_GROUP, group, strict=True)]
    conn.execute(
        update(notify_outbox).where(_FOLDED, notify_outbox.c.next_attempt_at <= now, *match).values(digest_id=token)
    )
    rows = conn.execute(
        select(notify_outbox).where(notify_outbox.c.digest_id == token).order_by(notify_outbox.c.created_at)
    )
    return merged(conn, [dict(r) for r in rows.mappings()])


def rename_digest(conn: Connection, token: str, digest_id: str) -> None:
    conn.execute(update(notify_outbox).where(notify_outbox.c.digest_id == token).values(digest_id=digest_id))

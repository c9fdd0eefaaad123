"""Notification settings of a tenant (channels, contacts, escalation policies) and the delivery log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.adapters.sql.notify_outbox import merged
from maeul.adapters.sql.notify_tables import (
    notify_attempts,
    notify_channels,
    notify_contacts,
    notify_outbox,
    notify_policies,
)
from maeul.adapters.sql.scoped import all_in_tenant, conflict_if_duplicate, one_in_tenant
from maeul.adapters.sql.tables import users
from maeul.platform.clock import now_ms

OUTBOX_LIST_COLUMNS = [c for c in notify_outbox.c if c.name not in ("claim_token", "claimed_until", "fallbacks")]


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# --- channels ---------------------------------------------------------------------------------------------


def list_channel_rows(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    """Each configured channel: ``{tenant_id, channel, config, updated_at}`` (config with secrets)."""
    query = select(notify_channels).where(notify_channels.c.tenant_id == tenant_id).order_by(notify_channels.c.channel)
    return [dict(r) for r in conn.execute(query).mappings()]


def channel_config(conn: Connection, tenant_id: str) -> dict[str, Any]:
    """The tenant's configuration as ``build_channels`` takes it: channel name -> settings."""
    return {row["channel"]: row["config"] for row in list_channel_rows(conn, tenant_id)}


def channels_version(conn: Connection, tenant_id: str) -> tuple[int, int]:
    """Changes whenever the tenant's channel settings change: (number of channels, latest update)."""
    row = conn.execute(
        select(func.count(), func.coalesce(func.max(notify_channels.c.updated_at), 0)).where(
            notify_channels.c.tenant_id == tenant_id
        )
    ).one()
    return int(row[0]), int(row[1])


def put_channel(conn: Connection, tenant_id: str, channel: str, config: dict[str, Any]) -> dict[str, Any]:
    """Create or replace the settings of one channel (validated by the caller)."""
    where = (notify_channels.c.tenant_id == tenant_id, notify_channels.c.channel == channel)
    now = now_ms()
    previous = conn.execute(select(notify_channels.c.updated_at).where(*where)).scalar_one_or_none()
    if previous is not None:
        now = max(now, previous + 1)  # the cache of built channels notices every change
        conn.execute(update(notify_channels).where(*where).values(config=config, updated_at=now))
    else:
        conn.execute(
            insert(notify_channels).values(tenant_id=tenant_id, channel=channel, config=config, updated_at=now)
        )
    return {"tenant_id": tenant_id, "channel": channel, "config": config, "updated_at": now}


def delete_channel(conn: Connection, tenant_id: str, channel: str) -> None:
    result = conn.execute(
        delete(notify_channels).where(notify_channels.c.tenant_id == tenant_id, notify_channels.c.channel == channel)
    )
    if result.rowcount == 0:
        raise NotFound(f"channel {channel} is not configured")


# --- contacts ---------------------------------------------------------------------------------------------


def _check_user(conn: Connection, tenant_id: str, user_id: int | None) -> None:
    if user_id is None:
        return
    if not conn.execute(select(users.c.id).where(users.c.id == user_id, users.c.tenant_id == tenant_id)).first():
        raise Invalid(f"user {user_id} does not exist")


def create_contact(conn: Connection, tenant_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A new contact from validated ``values`` (name, user_id, addresses, channels, language, quiet hours...)."""
    _check_user(conn, tenant_id, values.get("user_id"))
    now = now_ms()
    row = {**values, "tenant_id": tenant_id, "created_at": now, "updated_at": now}
    try:
        with conn.begin_nested():
            result = conn.execute(insert(notify_contacts).values(**row))
    except IntegrityError:
        if values.get("user_id") is None:
            raise
        raise Conflict(f"user {values['user_id']} already has contact settings") from None
    return get_contact(conn, tenant_id, _new_id(result))


def get_contact(conn: Connection, tenant_id: str, contact_id: int) -> dict[str, Any]:
    return one_in_tenant(
        conn, notify_contacts, tenant_id, notify_contacts.c.id == contact_id, missing=f"contact {contact_id} not found"
    )


def list_contacts(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    return all_in_tenant(conn, notify_contacts, tenant_id)


def update_contact(conn: Connection, tenant_id: str, contact_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    get_contact(conn, tenant_id, contact_id)
    if "user_id" in changes:
        _check_user(conn, tenant_id, changes["user_id"])
    if changes:
        with conflict_if_duplicate(conn, f"user {changes.get('user_id')} already has contact settings"):
            conn.execute(
                update(notify_contacts)
                .where(notify_contacts.c.id == contact_id, notify_contacts.c.tenant_id == tenant_id)
                .values(**changes, updated_at=now_ms())
            )
    return get_contact(conn, tenant_id, contact_id)


def delete_contact(conn: Connection, tenant_id: str, contact_id: int) -> None:
    get_contact(conn, tenant_id, contact_id)
    used = [p["name"] for p in list_policies(conn, tenant_id) if _mentions(p["steps"], "contacts", contact_id)]
    if used:
        raise Conflict(f"contact {contact_id} is a recipient of escalation policy {', '.join(used)}")
    conn.execute(delete(notify_contacts).where(notify_contacts.c.id == contact_id))


def _mentions(steps: list[dict[str, Any]], key: str, value: int) -> bool:
    return any(value in (step.get(key) or []) for step in steps)


# --- escalation policies ----------------------------------------------------------------------------------


def _check_recipients(conn: Connection, tenant_id: str, steps: list[dict[str, Any]]) -> None:
    user_ids = {u for s in steps for u in s.get("users") or []}
    contact_ids = {c for s in steps for c in s.get("contacts") or []}
    if user_ids:
        known = set(
            conn.execute(select(users.c.id).where(users.c.tenant_id == tenant_id, users.c.id.in_(user_ids))).scalars()
        )
        if user_ids - known:
            raise Invalid(f"user(s) {', '.join(map(str, sorted(user_ids - known)))} do not exist")
    if contact_ids:
        known = set(
            conn.execute(
                select(notify_contacts.c.id).where(
                    notify_contacts.c.tenant_id == tenant_id, notify_contacts.c.id.in_(contact_ids)
                )
            ).scalars()
        )
        if contact_ids - known:
            raise Invalid(f"contact(s) {', '.join(map(str, sorted(contact_ids - known)))} do not exist")


def create_policy(conn: Connection, tenant_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A new escalation policy from validated ``values`` (name, alarm_type, min_severity, steps, enabled)."""
    _check_recipients(conn, tenant_id, values["steps"])
    now = now_ms()
    result = conn.execute(insert(notify_policies).values(**values, tenant_id=tenant_id, created_at=now, updated_at=now))
    return get_policy(conn, tenant_id, _new_id(result))


def get_policy(conn: Connection, tenant_id: str, policy_id: int) -> dict[str, Any]:
    return one_in_tenant(
        conn,
        notify_policies,
        tenant_id,
        notify_policies.c.id == policy_id,
        missing=f"escalation policy {policy_id} not found",
    )


def list_policies(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    return all_in_tenant(conn, notify_policies, tenant_id)


def replace_policy(conn: Connection, tenant_id: str, policy_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Replace a policy; running escalations continue with the new steps from where they are."""
    get_policy(conn, tenant_id, policy_id)
    _check_recipients(conn, tenant_id, values["steps"])
    conn.execute(
        update(notify_policies)
        .where(notify_policies.c.id == policy_id, notify_policies.c.tenant_id == tenant_id)
        .values(**values, updated_at=now_ms())
    )
    return get_policy(conn, tenant_id, policy_id)


def delete_policy(conn: Connection, tenant_id: str, policy_id: int) -> None:
    """Remove a policy; escalations that followed it stop at their next step."""
    get_policy(conn, tenant_id, policy_id)
    conn.execute(delete(notify_policies).where(notify_policies.c.id == policy_id))


# --- the delivery log -------------------------------------------------------------------------------------


def list_notifications(
    conn: Connection,
    tenant_id: str,
    *,
    alarm_id: int | None = None,
    status: str | None = None,
    recipient: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Outbox rows of the tenant, newest first."""
    query = select(*OUTBOX_LIST_COLUMNS).where(notify_outbox.c.tenant_id == tenant_id)
    if alarm_id is not None:
        query = query.where(notify_outbox.c.alarm_id == alarm_id)
    if status is not None:
        query = query.where(notify_outbox.c.status == status)
    if recipient is not None:
        query = query.where(notify_outbox.c.recipient == recipient)
    query = query.order_by(notify_outbox.c.created_at.desc(), notify_outbox.c.id).limit(limit).offset(offset)
    return merged(conn, [dict(r) for r in conn.execute(query).mappings()])


def get_notification(conn: Connection, tenant_id: str, notification_id: str) -> dict[str, Any]:
    row = (
        conn.execute(
            select(*OUTBOX_LIST_COLUMNS).where(
                notify_outbox.c.id == notification_id, notify_outbox.c.tenant_id == tenant_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"notification {notification_id} not found")
    return merged(conn, [dict(row)])[0]


def list_attempts(conn: Connection, tenant_id: str, notification_id: str) -> list[dict[str, Any]]:
    """Every delivery attempt of one notification, oldest first."""
    get_notification(conn, tenant_id, notification_id)
    query = (
        select(notify_attempts)
        .where(notify_attempts.c.outbox_id == notification_id, notify_attempts.c.tenant_id == tenant_id)
        .order_by(notify_attempts.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]

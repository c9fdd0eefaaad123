"""Notifications: channel settings, contacts and escalation policies (admins), the delivery log (staff)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, status
from pydantic import BaseModel, Field

from maeul.adapters.http.deps import ActorDep, IdPath, PlatformDep, ReadConn, Reader, TenantManager
from maeul.adapters.http.errors import ApiError
from maeul.adapters.http.schemas import INT32_MAX, Page
from maeul.adapters.notify.webpush import PushSubscription, origin
from maeul.adapters.sql import notifications as repo
from maeul.adapters.sql.accounts import Actor
from maeul.core.notify.redact import masked_left, redact, restore
from maeul.core.roles import Role
from maeul.platform.notify.models import (
    ChannelName,
    ContactPatch,
    ContactSpec,
    PolicySpec,
    check_channel_config,
    check_contact,
)
from maeul.platform.notify.vapid import vapid_public_key

log = logging.getLogger("maeul.notify")

router = APIRouter(prefix="/api/v1", tags=["notifications"])
LOG_READERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.CASEWORKER})
STATUSES = ("pending", "delivered", "failed", "suppressed", "digested")


def log_reader(actor: ActorDep) -> Actor:
    """Admins, operators and caseworkers read the delivery log (it names people and their addresses)."""
    if actor.role not in LOG_READERS:
        raise ApiError(403, "forbidden", f"the {actor.role.value} role may not read the delivery log")
    return actor


LogReader = Annotated[Actor, Depends(log_reader)]
NotificationId = Annotated[str, Path(min_length=1, max_length=200)]


class ChannelOut(BaseModel):
    channel: ChannelName
    config: dict[str, Any]
    updated_at: int


class ContactOut(BaseModel):
    id: int
    tenant_id: str
    name: str
    user_id: int | None
    addresses: dict[str, str]
    channels: list[str]
    language: str
    quiet_start: str | None
    quiet_end: str | None
    note: str | None
    active: bool
    created_at: int
    updated_at: int


class PolicyOut(BaseModel):
    id: int
    tenant_id: str
    name: str
    alarm_type: str
    min_severity: str
    steps: list[dict[str, Any]]
    enabled: bool
    created_at: int
    updated_at: int


class NotificationOut(BaseModel):
    id: str
    tenant_id: str
    alarm_id: int | None
    kind: str
    step: int | None
    recipient: str
    recipient_name: str
    channel: str
    address: str
    severity: str | None
    status: str
    deferred: str | None
    digest_id: str | None
    attempts: int
    next_attempt_at: int
    created_at: int
    delivered_at: int | None
    last_status: str | None
    last_error: str | None
    subject_ko: str | None = None
    subject_en: str | None = None


class VapidKeyOut(BaseModel):
    public_key: str = Field(
        description="The tenant's VAPID public key (base64url, uncompressed P-256 point): the browser's "
        "applicationServerKey for pushManager.subscribe().",
        examples=["BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"],
    )


class AttemptOut(BaseModel):
    id: int
    outbox_id: str
    ts: int
    status: str
    error: str | None
    duration_ms: int | None
    detail: dict[str, Any]


def _channel_out(row: dict[str, Any]) -> ChannelOut:
    return ChannelOut(channel=row["channel"], config=redact(row["config"]), updated_at=row["updated_at"])


def _notification_out(row: dict[str, Any]) -> NotificationOut:
    note = row.get("notification") or {}
    address = row["address"]
    if row["channel"] == "webpush" and address:  # a subscription carries keys: show where it points only
        try:
            address = origin(PushSubscription.parse(address).endpoint) + "/…"
        except ValueError:
            address = "(push subscription)"
    values = {k: v for k, v in row.items() if k in NotificationOut.model_fields}
    values.update(address=address, subject_ko=note.get("subject_ko"), subject_en=note.get("subject_en"))
    return NotificationOut(**values)


# --- channels ---------------------------------------------------------------------------------------------


@router.get("/notification-channels", response_model=list[ChannelOut])
def list_channels(actor: TenantManager, conn: ReadConn) -> list[ChannelOut]:
    """The tenant's configured channels; secrets are shown as ``********``."""
    return [_channel_out(r) for r in repo.list_channel_rows(conn, actor.tenant_id)]


@router.put("/notification-channels/{channel}", response_model=ChannelOut)
def put_channel(
    channel: ChannelName,
    actor: TenantManager,
    platform: PlatformDep,
    config: Annotated[dict[str, Any], Body(examples=[{"host": "smtp.city.go.kr", "from_address": "alarm@city.go.kr"}])],
) -> ChannelOut:
    """Set one channel's settings (see ``maeul.adapters.notify.registry``); ``********`` keeps a stored secret."""
    with platform.engine.begin() as conn:
        stored = {r["channel"]: r["config"] for r in repo.list_channel_rows(conn, actor.tenant_id)}
        merged = restore(config, stored.get(channel))
        left = masked_left(merged)
        if left:
            raise ApiError(422, "invalid", f"no stored secret to keep for {', '.join(left)}: send the value itself")
        try:
            check_channel_config(channel, merged)
        except ValueError as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        row = repo.put_channel(conn, actor.tenant_id, channel, merged)
    return _channel_out(row)


@router.delete("/notification-channels/{channel}", status_code=status.HTTP_204_NO_CONTENT)
def delete_channel(channel: ChannelName, actor: TenantManager, platform: PlatformDep) -> None:
    """Remove a channel: its queued messages fail (or fall back to the recipient's next channel)."""
    with platform.engine.begin() as conn:
        repo.delete_channel(conn, actor.tenant_id, channel)


@router.get("/notifications/webpush/vapid-public-key", response_model=VapidKeyOut)
def get_vapid_public_key(actor: Reader, platform: PlatformDep, conn: ReadConn) -> VapidKeyOut:
    """The key a browser subscribes to Web Push with (every user may read it: it is public by design).

    Each tenant has its own key pair (its ``webpush`` channel's ``vapid_key_file``); store the browser's
    ``PushSubscription.toJSON()`` as the contact's ``webpush`` address."""
    config = repo.channel_config(conn, actor.tenant_id).get("webpush")
    if config is None:
        raise ApiError(404, "not_found", "Web Push is not configured for this tenant")
    try:
        return VapidKeyOut(public_key=vapid_public_key(config, platform.settings.data_dir))
    except (OSError, ValueError):  # NotifyConfigError is a ValueError
        log.exception("tenant %s: the VAPID key cannot be loaded", actor.tenant_id)
        raise ApiError(503, "http_error", "the Web Push key cannot be loaded: check the webpush channel") from None


# --- contacts ---------------------------------------------------------------------------------------------


@router.get("/contacts", response_model=list[ContactOut])
def list_contacts(actor: TenantManager, conn: ReadConn) -> list[ContactOut]:
    return [ContactOut(**c) for c in repo.list_contacts(conn, actor.tenant_id)]


@router.post("/contacts", response_model=ContactOut, status_code=status.HTTP_201_CREATED)
def create_contact(body: ContactSpec, actor: TenantManager, platform: PlatformDep) -> ContactOut:
    """A person to notify: a user's own addresses and preferences (``user_id``), or someone outside."""
    with platform.engine.begin() as conn:
        return ContactOut(**repo.create_contact(conn, actor.tenant_id, body.stored()))


@router.get("/contacts/{contact_id}", response_model=ContactOut)
def get_contact(contact_id: IdPath, actor: TenantManager, conn: ReadConn) -> ContactOut:
    return ContactOut(**repo.get_contact(conn, actor.tenant_id, contact_id))


@router.patch("/contacts/{contact_id}", response_model=ContactOut)
def update_contact(contact_id: IdPath, body: ContactPatch, actor: TenantManager, platform: PlatformDep) -> ContactOut:
    changes = body.model_dump(mode="json", exclude_unset=True)
    with platform.engine.begin() as conn:
        current = repo.get_contact(conn, actor.tenant_id, contact_id)
        try:
            check_contact({**current, **changes})
        except ValueError as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        return ContactOut(**repo.update_contact(conn, actor.tenant_id, contact_id, changes))


@router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_contact(contact_id: IdPath, actor: TenantManager, platform: PlatformDep) -> None:
    with platform.engine.begin() as conn:
        repo.delete_contact(conn, actor.tenant_id, contact_id)


# --- escalation policies ----------------------------------------------------------------------------------


@router.get("/escalation-policies", response_model=list[PolicyOut])
def list_policies(actor: TenantManager, conn: ReadConn) -> list[PolicyOut]:
    return [PolicyOut(**p) for p in repo.list_policies(conn, actor.tenant_id)]


@router.post("/escalation-policies", response_model=PolicyOut, status_code=status.HTTP_201_CREATED)
def create_policy(body: PolicySpec, actor: TenantManager, platform: PlatformDep) -> PolicyOut:
    """Steps in order of ``delay_s`` (seconds after the alarm was raised); acknowledging the alarm stops them."""
    with platform.engine.begin() as conn:
        return PolicyOut(**repo.create_policy(conn, actor.tenant_id, body.stored()))


@router.get("/escalation-policies/{policy_id}", response_model=PolicyOut)
def get_policy(policy_id: IdPath, actor: TenantManager, conn: ReadConn) -> PolicyOut:
    return PolicyOut(**repo.get_policy(conn, actor.tenant_id, policy_id))


@router.put("/escalation-policies/{policy_id}", response_model=PolicyOut)
def replace_policy(policy_id: IdPath, body: PolicySpec, actor: TenantManager, platform: PlatformDep) -> PolicyOut:
    with platform.engine.begin() as conn:
        return PolicyOut(**repo.replace_policy(conn, actor.tenant_id, policy_id, body.stored()))


@router.delete("/escalation-policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_policy(policy_id: IdPath, actor: TenantManager, platform: PlatformDep) -> None:
    with platform.engine.begin() as conn:
        repo.delete_policy(conn, actor.tenant_id, policy_id)


# --- the delivery log -------------------------------------------------------------------------------------


@router.get("/notifications", response_model=Page[NotificationOut])
def list_notifications(
    actor: LogReader,
    conn: ReadConn,
    alarm_id: int | None = Query(default=None, ge=1, le=INT32_MAX),
    status: str | None = Query(default=None, pattern="^(" + "|".join(STATUSES) + ")$"),
    recipient: str | None = Query(
        default=None,
        pattern=r"^[ucr][0-9]{1,10}$",
        description="u<user id>, c<contact id> or r<resident id> (a subscriber of the warnings service)",
    ),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=INT32_MAX),
) -> Page[NotificationOut]:
    """The outbox, newest first: each message with its status, attempts and last error."""
    rows = repo.list_notifications(
        conn, actor.tenant_id, alarm_id=alarm_id, status=status, recipient=recipient, limit=limit + 1, offset=offset
    )
    items = [_notification_out(r) for r in rows[:limit]]
    return Page[NotificationOut](items=items, next_offset=offset + limit if len(rows) > limit else None)


@router.get("/notifications/{notification_id}", response_model=NotificationOut)
def get_notification(notification_id: NotificationId, actor: LogReader, conn: ReadConn) -> NotificationOut:
    return _notification_out(repo.get_notification(conn, actor.tenant_id, notification_id))


@router.get("/notifications/{notification_id}/attempts", response_model=list[AttemptOut])
def list_attempts(notification_id: NotificationId, actor: LogReader, conn: ReadConn) -> list[AttemptOut]:
    """Every delivery attempt, oldest first: when, the outcome, the error and how long it took."""
    return [AttemptOut(**a) for a in repo.list_attempts(conn, actor.tenant_id, notification_id)]

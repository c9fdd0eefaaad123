"""Alarms: list and filter, read one with its history, acknowledge, clear, assign and comment.

Every reader sees the tenant's alarms; handling them (acknowledge, clear, assign, comment) is for caseworkers,
operators and admins, not viewers. Changes run the platform's alarm listeners in the same transaction, so an
acknowledgement stops the escalation of its notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, status
from sqlalchemy import Connection, select

from maeul.adapters.http.alarm_schemas import (
    AcknowledgeRequest,
    Alarm,
    AlarmDetail,
    AlarmEvent,
    AlarmStatus,
    AssignRequest,
    CommentRequest,
    SeverityName,
)
from maeul.adapters.http.deps import ActorDep, IdPath, PlatformDep, ReadConn, Reader
from maeul.adapters.http.errors import ApiError
from maeul.adapters.http.schemas import INT32_MAX, Page
from maeul.adapters.sql import alarms as repo
from maeul.adapters.sql.accounts import Actor
from maeul.adapters.sql.alarm_tables import alarm_entities
from maeul.core.roles import Role
from maeul.platform.app import Platform

router = APIRouter(prefix="/api/v1", tags=["alarms"])
HANDLERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.CASEWORKER})


def alarm_handler(actor: ActorDep) -> Actor:
    """Caseworkers, operators and admins handle alarms; viewers only look."""
    if actor.role not in HANDLERS:
        raise ApiError(403, "forbidden", f"the {actor.role.value} role may not handle alarms")
    return actor


Handler = Annotated[Actor, Depends(alarm_handler)]


def _listeners(platform: Platform) -> Sequence[repo.AlarmListener]:
    return list(getattr(platform, "alarm_listeners", []))


def _alarm(row: dict[str, Any]) -> Alarm:
    values = {k: v for k, v in row.items() if k in Alarm.model_fields}
    return Alarm(**values, status="cleared" if row["cleared"] else "active")


def _detail(conn: Connection, tenant_id: str, alarm_id: int) -> AlarmDetail:
    row = repo.get_alarm(conn, tenant_id, alarm_id)
    entity_ids = conn.execute(
        select(alarm_entities.c.entity_id)
        .where(alarm_entities.c.alarm_id == alarm_id)
        .order_by(alarm_entities.c.entity_id)
    ).scalars()
    events = [
        AlarmEvent(**{k: v for k, v in e.items() if k in AlarmEvent.model_fields})
        for e in repo.history(conn, tenant_id, alarm_id)
    ]
    return AlarmDetail(**_alarm(row).model_dump(), entity_ids=list(entity_ids), history=events)


@router.get("/alarms", response_model=Page[Alarm])
def list_alarms(
    actor: Reader,
    conn: ReadConn,
    alarm_status: AlarmStatus | None = Query(default=None, alias="status"),
    acknowledged: bool | None = None,
    severity: SeverityName | None = None,
    alarm_type: str | None = Query(default=None, alias="type", min_length=1, max_length=100),
    device_id: int | None = Query(default=None, ge=1, le=INT32_MAX, description="Alarms of this device."),
    entity_id: int | None = Query(
        default=None, ge=1, le=INT32_MAX, description="Alarms of the devices of this entity (household, site, ...)."
    ),
    assignee_id: int | None = Query(default=None, ge=1, le=INT32_MAX),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=INT32_MAX),
) -> Page[Alarm]:
    """Active alarms first, then by severity (most severe first), then newest first."""
    rows = repo.list_alarms(
        conn,
        actor.tenant_id,
        active=None if alarm_status is None else alarm_status == "active",
        acknowledged=acknowledged,
        severity=severity,
        alarm_type=alarm_type,
        originator_kind="device" if device_id is not None else None,
        originator_id=device_id,
        entity_id=entity_id,
        assignee_id=assignee_id,
        limit=limit + 1,
        offset=offset,
    )
    items = [_alarm(r) for r in rows[:limit]]
    return Page[Alarm](items=items, next_offset=offset + limit if len(rows) > limit else None)


@router.get("/alarms/{alarm_id}", response_model=AlarmDetail)
def get_alarm(alarm_id: IdPath, actor: Reader, conn: ReadConn) -> AlarmDetail:
    """The alarm, the entities it propagated to, and its history (who did what, when)."""
    return _detail(conn, actor.tenant_id, alarm_id)


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmDetail)
def acknowledge(
    alarm_id: IdPath,
    actor: Handler,
    platform: PlatformDep,
    body: Annotated[AcknowledgeRequest | None, Body()] = None,
) -> AlarmDetail:
    """Someone is on it: stops the escalation. Acknowledging an acknowledged alarm changes nothing."""
    text = body.text if body is not None else None
    with platform.engine.begin() as conn:
        repo.acknowledge(
            conn, actor.tenant_id, alarm_id, actor.user_id, text=text or None, listeners=_listeners(platform)
        )
        return _detail(conn, actor.tenant_id, alarm_id)


@router.post("/alarms/{alarm_id}/clear", response_model=AlarmDetail)
def clear(alarm_id: IdPath, actor: Handler, platform: PlatformDep) -> AlarmDetail:
    """End the alarm by hand (its end is now). Clearing a cleared alarm changes nothing."""
    with platform.engine.begin() as conn:
        repo.clear_alarm(conn, actor.tenant_id, alarm_id, actor.user_id, listeners=_listeners(platform))
        return _detail(conn, actor.tenant_id, alarm_id)


@router.post("/alarms/{alarm_id}/assign", response_model=AlarmDetail)
def assign(alarm_id: IdPath, body: AssignRequest, actor: Handler, platform: PlatformDep) -> AlarmDetail:
    """Give the alarm to a user of the tenant (``null`` takes it back from whoever has it)."""
    with platform.engine.begin() as conn:
        repo.assign(conn, actor.tenant_id, alarm_id, actor.user_id, body.assignee_id, listeners=_listeners(platform))
        return _detail(conn, actor.tenant_id, alarm_id)


@router.post("/alarms/{alarm_id}/comments", response_model=AlarmDetail, status_code=status.HTTP_201_CREATED)
def add_comment(alarm_id: IdPath, body: CommentRequest, actor: Handler, platform: PlatformDep) -> AlarmDetail:
    """Add a note to the alarm's history."""
    with platform.engine.begin() as conn:
        repo.comment(conn, actor.tenant_id, alarm_id, actor.user_id, body.text)
        return _detail(conn, actor.tenant_id, alarm_id)

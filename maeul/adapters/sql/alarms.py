"""Alarms: raise (atomic upsert on the one-active-per-originator-and-type index), clear, acknowledge, assign,
comment, list, and the history of every change. Listeners run in the same transaction (the outbox uses this)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, case, false, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from maeul.adapters.sql.accounts import get_user
from maeul.adapters.sql.alarm_tables import alarm_entities, alarm_events, alarms, entity_devices
from maeul.adapters.sql.errors import Invalid, NotFound
from maeul.core.alarms import Action, Occurrence, Severity
from maeul.platform.clock import now_ms

AlarmListener = Callable[[Connection, dict[str, Any], Action, int | None], None]
ACTIVE = alarms.c.cleared == false()


def _rank(column: Any) -> Any:
    return case(
        (column == Severity.CRITICAL.value, 4),
        (column == Severity.MAJOR.value, 3),
        (column == Severity.MINOR.value, 2),
        else_=1,
    )


def _record(
    conn: Connection,
    alarm: dict[str, Any],
    action: Action,
    actor_id: int | None,
    text: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(alarm_events).values(
            alarm_id=alarm["id"],
            tenant_id=alarm["tenant_id"],
            ts=now_ms(),
            actor_id=actor_id,
            action=action.value,
            text=text,
            details=details or {},
        )
    )


def _notify(
    conn: Connection, listeners: Sequence[AlarmListener], alarm: dict[str, Any], action: Action, actor_id: int | None
) -> None:
    for listener in listeners:
        listener(conn, alarm, action, actor_id)


def get_alarm(conn: Connection, tenant_id: str, alarm_id: int) -> dict[str, Any]:
    row = (
        conn.execute(select(alarms).where(alarms.c.id == alarm_id, alarms.c.tenant_id == tenant_id)).mappings().first()
    )
    if row is None:
        raise NotFound(f"alarm {alarm_id} not found")
    return dict(row)


def raise_alarm(
    conn: Connection,
    occurrence: Occurrence,
    *,
    rule_id: int | None = None,
    listeners: Sequence[AlarmListener] = (),
) -> tuple[dict[str, Any], Action]:
    """Create the active alarm, or update it (a repeat; a higher severity upgrades it). Safe under concurrency."""
    now = now_ms()
    before = conn.execute(
        select(alarms.c.severity).where(
            alarms.c.tenant_id == occurrence.tenant_id,
            alarms.c.originator_kind == occurrence.originator_kind,
            alarms.c.originator_id == occurrence.originator_id,
            alarms.c.type == occurrence.type,
            ACTIVE,
        )
    ).scalar_one_or_none()
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(alarms).values(
        tenant_id=occurrence.tenant_id,
        originator_kind=occurrence.originator_kind,
        originator_id=occurrence.originator_id,
        type=occurrence.type,
        severity=occurrence.severity.value,
        cleared=False,
        acknowledged=False,
        start_ts=occurrence.start_ts,
        last_ts=occurrence.start_ts,
        occurrences=1,
        rule_id=rule_id,
        details=dict(occurrence.details),
        created_at=now,
        updated_at=now,
    )
    excluded = stmt.excluded
    upsert = stmt.on_conflict_do_update(
        index_elements=[alarms.c.tenant_id, alarms.c.originator_kind, alarms.c.originator_id, alarms.c.type],
        index_where=ACTIVE,
        set_={
            "severity": case(
                (_rank(excluded.severity) > _rank(alarms.c.severity), excluded.severity), else_=alarms.c.severity
            ),
            "last_ts": case((excluded.last_ts > alarms.c.last_ts, excluded.last_ts), else_=alarms.c.last_ts),
            "occurrences": alarms.c.occurrences + 1,
            "details": excluded.details,
            "updated_at": excluded.updated_at,
        },
    ).returning(alarms.c.id, alarms.c.occurrences)
    row = conn.execute(upsert).one()
    alarm = get_alarm(conn, occurrence.tenant_id, row.id)
    if row.occurrences == 1:
        action = Action.RAISED
        _propagate(conn, alarm)
    elif before is not None and Severity(alarm["severity"]).rank > Severity(before).rank:
        action = Action.UPGRADED
    else:
        action = Action.REPEATED
    _record(conn, alarm, action, None, details={"severity": alarm["severity"], "ts": occurrence.start_ts})
    _notify(conn, listeners, alarm, action, None)
    return alarm, action


def _propagate(conn: Connection, alarm: dict[str, Any]) -> None:
    """A device's alarm is also an alarm of every entity the device belongs to (household, site, district)."""
    if alarm["originator_kind"] != "device":
        return
    entity_ids = (
        conn.execute(select(entity_devices.c.entity_id).where(entity_devices.c.device_id == alarm["originator_id"]))
        .scalars()
        .all()
    )
    if entity_ids:
        conn.execute(insert(alarm_entities), [{"alarm_id": alarm["id"], "entity_id": e} for e in entity_ids])


def clear_active(
    conn: Connection,
    tenant_id: str,
    originator_kind: str,
    originator_id: int,
    alarm_type: str,
    end_ts: int,
    *,
    listeners: Sequence[AlarmListener] = (),
) -> dict[str, Any] | None:
    """The condition ended (from a reading at ``end_ts``): clear the active alarm, if there is one."""
    alarm_id = conn.execute(
        select(alarms.c.id).where(
            alarms.c.tenant_id == tenant_id,
            alarms.c.originator_kind == originator_kind,
            alarms.c.originator_id == originator_id,
            alarms.c.type == alarm_type,
            ACTIVE,
        )
    ).scalar_one_or_none()
    if alarm_id is None:
        return None
    return clear_alarm(conn, tenant_id, alarm_id, None, end_ts=end_ts, listeners=listeners)


def clear_alarm(
    conn: Connection,
    tenant_id: str,
    alarm_id: int,
    actor_id: int | None,
    *,
    end_ts: int | None = None,
    listeners: Sequence[AlarmListener] = (),
) -> dict[str, Any]:
    alarm = get_alarm(conn, tenant_id, alarm_id)
    if alarm["cleared"]:
        return alarm
    now = now_ms()
    result = conn.execute(
        update(alarms)
        .where(alarms.c.id == alarm_id, ACTIVE)
        .values(
            cleared=True,
            end_ts=end_ts if end_ts is not None else now,
            cleared_at=now,
            cleared_by=actor_id,
            updated_at=now,
        )
    )
    alarm = get_alarm(conn, tenant_id, alarm_id)
    if result.rowcount == 0:  # a concurrent request cleared it first and recorded it
        return alarm
    _record(conn, alarm, Action.CLEARED, actor_id, details={"end_ts": alarm["end_ts"]})
    _notify(conn, listeners, alarm, Action.CLEARED, actor_id)
    return alarm


def acknowledge(
    conn: Connection,
    tenant_id: str,
    alarm_id: int,
    actor_id: int,
    *,
    text: str | None = None,
    listeners: Sequence[AlarmListener] = (),
) -> dict[str, Any]:
    alarm = get_alarm(conn, tenant_id, alarm_id)
    if alarm["acknowledged"]:
        return alarm
    now = now_ms()
    conn.execute(
        update(alarms)
        .where(alarms.c.id == alarm_id)
        .values(acknowledged=True, acknowledged_at=now, acknowledged_by=actor_id, updated_at=now)
    )
    alarm = get_alarm(conn, tenant_id, alarm_id)
    _record(conn, alarm, Action.ACKNOWLEDGED, actor_id, text=text)
    _notify(conn, listeners, alarm, Action.ACKNOWLEDGED, actor_id)
    return alarm


def assign(
    conn: Connection,
    tenant_id: str,
    alarm_id: int,
    actor_id: int,
    assignee_id: int | None,
    *,
    listeners: Sequence[AlarmListener] = (),
) -> dict[str, Any]:
    get_alarm(conn, tenant_id, alarm_id)
    if assignee_id is not None:
        try:
            assignee = get_user(conn, tenant_id, assignee_id)
        except NotFound:
            raise Invalid(f"user {assignee_id} does not exist") from None
        if not assignee["active"]:
            raise Invalid(f"user {assignee_id} is deactivated")
    conn.execute(update(alarms).where(alarms.c.id == alarm_id).values(assignee_id=assignee_id, updated_at=now_ms()))
    alarm = get_alarm(conn, tenant_id, alarm_id)
    _record(conn, alarm, Action.ASSIGNED, actor_id, details={"assignee_id": assignee_id})
    _notify(conn, listeners, alarm, Action.ASSIGNED, actor_id)
    return alarm


def comment(conn: Connection, tenant_id: str, alarm_id: int, actor_id: int, text: str) -> dict[str, Any]:
    alarm = get_alarm(conn, tenant_id, alarm_id)
    _record(conn, alarm, Action.COMMENTED, actor_id, text=text)
    return alarm


def history(conn: Connection, tenant_id: str, alarm_id: int) -> list[dict[str, Any]]:
    get_alarm(conn, tenant_id, alarm_id)
    rows = conn.execute(select(alarm_events).where(alarm_events.c.alarm_id == alarm_id).order_by(alarm_events.c.id))
    return [dict(r) for r in rows.mappings()]


def list_alarms(
    conn: Connection,
    tenant_id: str,
    *,
    active: bool | None = None,
    acknowledged: bool | None = None,
    severity: str | None = None,
    alarm_type: str | None = None,
    originator_kind: str | None = None,
    originator_id: int | None = None,
    entity_id: int | None = None,
    assignee_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(alarms).where(alarms.c.tenant_id == tenant_id)
    conditions = []
    if active is not None:
        conditions.append(ACTIVE if active else alarms.c.cleared == true())
    if acknowledged is not None:
        conditions.append(alarms.c.acknowledged == (true() if acknowledged else false()))
    if severity:
        conditions.append(alarms.c.severity == severity)
    if alarm_type:
        conditions.append(alarms.c.type == alarm_type)
    if originator_kind:
        conditions.append(alarms.c.originator_kind == originator_kind)
    if originator_id is not None:
        conditions.append(alarms.c.originator_id == originator_id)
    if assignee_id is not None:
        conditions.append(alarms.c.assignee_id == assignee_id)
    if entity_id is not None:
        propagated = select(alarm_entities.c.alarm_id).where(alarm_entities.c.entity_id == entity_id)
        own = and_(alarms.c.originator_kind != "device", alarms.c.originator_id == entity_id)
        conditions.append(or_(alarms.c.id.in_(propagated), own))
    if conditions:
        query = query.where(and_(*conditions))
    query = query.order_by(alarms.c.cleared, _rank(alarms.c.severity).desc(), alarms.c.start_ts.desc())
    return [dict(r) for r in conn.execute(query.limit(limit).offset(offset)).mappings()]

"""The response workflow on an alarm of a home: opened automatically for warnings and dangers (or by hand), then
phone check, visit, emergency, each acknowledged with its outcome; closed as confirmed or as a false alarm with
its reason. The first step acknowledges the alarm (which stops its escalation); closing clears it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from maeul.adapters.sql import alarms as alarm_repo
from maeul.adapters.sql.accounts import Actor
from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.platform.clock import now_ms
from maeul.services.care.core.status import Status, classify
from maeul.services.care.core.workflow import Stage, WorkflowError, check_close, next_stage, suggested_next
from maeul.services.care.crypto import FieldCipher, new_uid
from maeul.services.care.store import outbox
from maeul.services.care.store.households import get_household
from maeul.services.care.tables import care_households, care_response_steps, care_responses

PUBLIC = [c for c in care_responses.c if c.name not in ("note_enc", "uid")]
OPENS = frozenset({Status.WARNING, Status.DANGER})


def _get(conn: Connection, tenant_id: str, response_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(care_responses).where(care_responses.c.id == response_id, care_responses.c.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"response {response_id} not found")
    return dict(row)


def by_alarm(conn: Connection, tenant_id: str, alarm_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(care_responses).where(care_responses.c.alarm_id == alarm_id, care_responses.c.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def open_for_alarm(
    conn: Connection, cipher: FieldCipher, alarm: dict[str, Any], household_id: int, *, force: bool = False
) -> dict[str, Any] | None:
    """Open the response of an alarm of a home (once per alarm); without ``force`` only for warnings and dangers.
    The family is told of the alarm's levels by the runtime's alarm listener (``outbox.notify_family_level``)."""
    status = classify(alarm["type"], alarm["severity"], alarm.get("details") or {})
    if not force and status not in OPENS:
        return None
    existing = by_alarm(conn, alarm["tenant_id"], alarm["id"])
    if existing is not None:
        return existing
    now = now_ms()
    try:
        with conn.begin_nested():
            result = conn.execute(
                insert(care_responses).values(
                    tenant_id=alarm["tenant_id"],
                    household_id=household_id,
                    alarm_id=alarm["id"],
                    alarm_type=alarm["type"],
                    severity=alarm["severity"],
                    detected_at=alarm["start_ts"],
                    opened_at=now,
                    stage=Stage.OPEN.value,
                    uid=new_uid(),
                    emergency_sent=False,
                    updated_at=now,
                )
            )
    except IntegrityError:  # opened concurrently
        return by_alarm(conn, alarm["tenant_id"], alarm["id"])
    return _get(conn, alarm["tenant_id"], inserted_id(result))


def open_by_hand(
    conn: Connection, cipher: FieldCipher, tenant_id: str, household_id: int, alarm_id: int
) -> dict[str, Any]:
    home = get_household(conn, tenant_id, household_id)
    alarm = alarm_repo.get_alarm(conn, tenant_id, alarm_id)
    from maeul.services.care.store.status import households_for_alarm

    if home["id"] not in households_for_alarm(conn, alarm):
        raise Invalid(f"alarm {alarm_id} is not an alarm of household {household_id}")
    response = open_for_alarm(conn, cipher, alarm, household_id, force=True)
    assert response is not None
    return response


def record_step(
    conn: Connection,
    cipher: FieldCipher,
    actor: Actor,
    response_id: int,
    step: str,
    outcome: str,
    note: str | None,
    *,
    listeners: Sequence[alarm_repo.AlarmListener] = (),
) -> dict[str, Any]:
    response = _get(conn, actor.tenant_id, response_id)
    try:
        stage = next_stage(Stage(response["stage"]), Stage(step), outcome)
    except ValueError as exc:  # an unknown step name is a workflow error too
        if isinstance(exc, WorkflowError):
            raise
        raise WorkflowError(f"unknown step {step!r}", f"알 수 없는 단계입니다: {step}") from None
    now, uid = now_ms(), new_uid()
    conn.execute(
        insert(care_response_steps).values(
            tenant_id=actor.tenant_id,
            response_id=response_id,
            uid=uid,
            step=step,
            outcome=outcome,
            note_enc=cipher.seal(note, tenant_id=actor.tenant_id, table="care_response_steps", uid=uid, column="note"),
            actor_id=actor.user_id,
            ts=now,
        )
    )
    values: dict[str, Any] = {"stage": stage.value, "updated_at": now}
    if response["first_action_at"] is None:
        values["first_action_at"] = now
        if response["alarm_id"] is not None:
            with contextlib.suppress(NotFound):
                alarm_repo.acknowledge(
                    conn,
                    actor.tenant_id,
                    response["alarm_id"],
                    actor.user_id,
                    text=f"care response {response_id}: {step}",
                    listeners=listeners,
                )
    home = get_household(conn, actor.tenant_id, response["household_id"])
    if stage is Stage.EMERGENCY and outcome == "dispatched" and not response["emergency_sent"]:
        values["emergency_sent"] = outbox.call_emergency(conn, response, home, now)
        outbox.notify_family(conn, cipher, response, home, "emergency", now)
    conn.execute(update(care_responses).where(care_responses.c.id == response_id).values(**values))
    return _get(conn, actor.tenant_id, response_id)


def close(
    conn: Connection,
    cipher: FieldCipher,
    actor: Actor,
    response_id: int,
    resolution: str,
    false_reason: str | None,
    note: str | None,
    *,
    listeners: Sequence[alarm_repo.AlarmListener] = (),
) -> dict[str, Any]:
    response = _get(conn, actor.tenant_id, response_id)
    if response["stage"] == Stage.CLOSED.value:
        raise Conflict(f"response {response_id} is already closed")
    check_close(resolution, false_reason)
    now = now_ms()
    conn.execute(
        update(care_responses)
        .where(care_responses.c.id == response_id)
        .values(
            stage=Stage.CLOSED.value,
            closed_at=now,
            closed_by=actor.user_id,
            resolution=resolution,
            false_reason=false_reason,
            first_action_at=response["first_action_at"] or now,
            updated_at=now,
            note_enc=cipher.seal(
                note, tenant_id=actor.tenant_id, table="care_responses", uid=response["uid"], column="note"
            ),
        )
    )
    if response["alarm_id"] is not None:
        with contextlib.suppress(NotFound):
            alarm_repo.clear_alarm(conn, actor.tenant_id, response["alarm_id"], actor.user_id, listeners=listeners)
    response = _get(conn, actor.tenant_id, response_id)
    home = get_household(conn, actor.tenant_id, response["household_id"])
    outbox.notify_family(conn, cipher, response, home, "closed", now)
    return response


def steps(conn: Connection, response: dict[str, Any], cipher: FieldCipher | None) -> list[dict[str, Any]]:
    """The steps; notes decrypted only when a cipher is given (the caller has checked access and audits)."""
    rows = conn.execute(
        select(care_response_steps)
        .where(care_response_steps.c.response_id == response["id"])
        .order_by(care_response_steps.c.id)
    ).mappings()
    out = []
    for r in rows:
        item = {k: r[k] for k in ("id", "step", "outcome", "actor_id", "ts")}
        if cipher is not None:
            item["note"] = cipher.open(
                r["note_enc"], tenant_id=r["tenant_id"], table="care_response_steps", uid=r["uid"], column="note"
            )
        out.append(item)
    return out


def view(conn: Connection, tenant_id: str, response_id: int, cipher: FieldCipher | None) -> dict[str, Any]:
    row = _get(conn, tenant_id, response_id)
    out = {k: row[k] for k in (c.name for c in PUBLIC)}
    listed = steps(conn, row, cipher)
    out["steps"] = listed
    last = listed[-1]["outcome"] if listed else None
    hint = suggested_next(Stage(row["stage"]), last)
    out["suggested_next"] = hint.value if hint is not None else None
    if cipher is not None:
        out["note"] = cipher.open(
            row["note_enc"], tenant_id=tenant_id, table="care_responses", uid=row["uid"], column="note"
        )
    return out


def list_responses(
    conn: Connection,
    tenant_id: str,
    *,
    district_codes: Iterable[str] | None = None,
    open_only: bool = False,
    household_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = (
        select(*PUBLIC, care_households.c.code, care_households.c.district_code)
        .join(care_households, care_households.c.id == care_responses.c.household_id)
        .where(care_responses.c.tenant_id == tenant_id)
    )
    if district_codes is not None:
        query = query.where(care_households.c.district_code.in_(sorted(set(district_codes))))
    if open_only:
        query = query.where(care_responses.c.closed_at.is_(None))
    if household_id is not None:
        query = query.where(care_responses.c.household_id == household_id)
    query = query.order_by(care_responses.c.closed_at.is_(None).desc(), care_responses.c.opened_at.desc())
    return [dict(r) for r in conn.execute(query.limit(limit).offset(offset)).mappings()]


def district_of(conn: Connection, tenant_id: str, response_id: int) -> str:
    row = _get(conn, tenant_id, response_id)
    return str(get_household(conn, tenant_id, row["household_id"])["district_code"])

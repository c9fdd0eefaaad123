"""Caseworkers assigned by district, and the audit log of every view of personal data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from maeul.adapters.sql.accounts import Actor, get_user
from maeul.adapters.sql.errors import Invalid, NotFound
from maeul.core.roles import Role
from maeul.platform.clock import now_ms
from maeul.services.care.tables import care_audit, care_caseworkers


def assigned_districts(conn: Connection, tenant_id: str, user_id: int) -> set[str]:
    rows = conn.execute(
        select(care_caseworkers.c.district_code).where(
            care_caseworkers.c.tenant_id == tenant_id, care_caseworkers.c.user_id == user_id
        )
    )
    return set(rows.scalars())


def set_assignment(conn: Connection, tenant_id: str, user_id: int, district_codes: Iterable[str]) -> list[str]:
    """Replace the districts a caseworker is assigned to; only active caseworkers of the tenant qualify."""
    try:
        user = get_user(conn, tenant_id, user_id)
    except NotFound:
        raise NotFound(f"user {user_id} not found") from None
    if user["role"] != Role.CASEWORKER.value:
        raise Invalid(f"user {user_id} is a {user['role']}, not a caseworker")
    if not user["active"]:
        raise Invalid(f"user {user_id} is deactivated")
    codes = sorted(set(district_codes))
    conn.execute(
        delete(care_caseworkers).where(care_caseworkers.c.tenant_id == tenant_id, care_caseworkers.c.user_id == user_id)
    )
    if codes:
        now = now_ms()
        conn.execute(
            insert(care_caseworkers),
            [{"tenant_id": tenant_id, "user_id": user_id, "district_code": c, "created_at": now} for c in codes],
        )
    return codes


def list_assignments(conn: Connection, tenant_id: str) -> dict[int, list[str]]:
    rows = conn.execute(
        select(care_caseworkers.c.user_id, care_caseworkers.c.district_code)
        .where(care_caseworkers.c.tenant_id == tenant_id)
        .order_by(care_caseworkers.c.user_id, care_caseworkers.c.district_code)
    )
    out: dict[int, list[str]] = {}
    for user_id, code in rows:
        out.setdefault(user_id, []).append(code)
    return out


def caseworkers_of(conn: Connection, tenant_id: str, district_code: str) -> list[int]:
    rows = conn.execute(
        select(care_caseworkers.c.user_id).where(
            care_caseworkers.c.tenant_id == tenant_id, care_caseworkers.c.district_code == district_code
        )
    )
    return sorted(rows.scalars())


def audit(conn: Connection, actor: Actor, action: str, household_id: int | None, subject: str) -> None:
    """Record that ``actor`` saw (or exported, changed) personal data; never the data itself."""
    conn.execute(
        insert(care_audit).values(
            tenant_id=actor.tenant_id,
            ts=now_ms(),
            actor_id=actor.user_id,
            actor_role=actor.role.value,
            action=action,
            household_id=household_id,
            subject=subject[:60],
        )
    )


def list_audit(
    conn: Connection,
    tenant_id: str,
    *,
    household_id: int | None = None,
    actor_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(care_audit).where(care_audit.c.tenant_id == tenant_id)
    if household_id is not None:
        query = query.where(care_audit.c.household_id == household_id)
    if actor_id is not None:
        query = query.where(care_audit.c.actor_id == actor_id)
    query = query.order_by(care_audit.c.id.desc()).limit(limit).offset(offset)
    return [dict(r) for r in conn.execute(query).mappings()]

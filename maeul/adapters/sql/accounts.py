"""Tenants, departments, users and their bearer tokens (sessions and API keys)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.adapters.sql.scoped import all_in_tenant, conflict_if_duplicate
from maeul.adapters.sql.tables import api_tokens, departments, tenants, users
from maeul.core.roles import Role
from maeul.platform.clock import now_ms
from maeul.platform.secrets import IssuedToken, hash_password, issue_token, token_digest

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.@\-]{1,100}$")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling: a user of one tenant with one role."""

    user_id: int
    tenant_id: str
    username: str
    role: Role


def create_tenant(
    conn: Connection,
    tenant_id: str,
    name: str,
    *,
    name_en: str | None = None,
    timezone: str = "Asia/Seoul",
    retention_days: int = 365,
) -> dict[str, Any]:
    if not TENANT_ID.match(tenant_id):
        raise Invalid(f"tenant id {tenant_id!r}: use 1-40 of a-z, 0-9 and -, starting with a letter or digit")
    if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first():
        raise Conflict(f"tenant {tenant_id!r} already exists")
    row = {
        "id": tenant_id,
        "name": name,
        "name_en": name_en,
        "timezone": timezone,
        "retention_days": retention_days,
        "created_at": now_ms(),
    }
    conn.execute(insert(tenants).values(**row))
    return row


def get_tenant(conn: Connection, tenant_id: str) -> dict[str, Any]:
    row = conn.execute(select(tenants).where(tenants.c.id == tenant_id)).mappings().first()
    if row is None:
        raise NotFound(f"tenant {tenant_id!r} not found")
    return dict(row)


def update_tenant(conn: Connection, tenant_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    if changes:
        conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(**changes))
    return get_tenant(conn, tenant_id)


def list_tenants(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(tenants).order_by(tenants.c.id)).mappings()]


def create_department(conn: Connection, tenant_id: str, name: str) -> dict[str, Any]:
    with conflict_if_duplicate(conn, f"department {name!r} already exists"):
        result = conn.execute(insert(departments).values(tenant_id=tenant_id, name=name, created_at=now_ms()))
    return {"id": inserted_id(result), "tenant_id": tenant_id, "name": name}


def list_departments(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    return all_in_tenant(conn, departments, tenant_id)


def _check_department(conn: Connection, tenant_id: str, department_id: int | None) -> None:
    if department_id is None:
        return
    found = conn.execute(
        select(departments.c.id).where(departments.c.id == department_id, departments.c.tenant_id == tenant_id)
    ).first()
    if not found:
        raise Invalid(f"department {department_id} does not exist")


USER_COLUMNS = [
    users.c.id,
    users.c.tenant_id,
    users.c.username,
    users.c.display_name,
    users.c.email,
    users.c.role,
    users.c.department_id,
    users.c.active,
    users.c.created_at,
]


def create_user(
    conn: Connection,
    tenant_id: str,
    username: str,
    role: Role,
    *,
    password: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    department_id: int | None = None,
) -> dict[str, Any]:
    if not USERNAME.match(username):
        raise Invalid(f"username {username!r}: use 1-100 of letters, digits and _ . @ -")
    get_tenant(conn, tenant_id)
    _check_department(conn, tenant_id, department_id)
    values = {
        "tenant_id": tenant_id,
        "username": username,
        "role": role.value,
        "display_name": display_name,
        "email": email,
        "department_id": department_id,
        "active": True,
        "created_at": now_ms(),
        "password_hash": hash_password(password) if password else None,
    }
    with conflict_if_duplicate(conn, f"user {username!r} already exists"):
        result = conn.execute(insert(users).values(**values))
    return get_user(conn, tenant_id, inserted_id(result))


def get_user(conn: Connection, tenant_id: str, user_id: int) -> dict[str, Any]:
    row = (
        conn.execute(select(*USER_COLUMNS).where(users.c.id == user_id, users.c.tenant_id == tenant_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return dict(row)


def find_user_for_login(conn: Connection, tenant_id: str, username: str) -> dict[str, Any] | None:
    row = (
        conn.execute(select(users).where(users.c.tenant_id == tenant_id, users.c.username == username, users.c.active))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def list_users(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    query = select(*USER_COLUMNS).where(users.c.tenant_id == tenant_id).order_by(users.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def update_user(conn: Connection, tenant_id: str, user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    get_user(conn, tenant_id, user_id)
    values = dict(changes)
    if "password" in values:
        password = values.pop("password")
        values["password_hash"] = hash_password(password) if password else None
    if "role" in values:
        values["role"] = Role(values["role"]).value
    if "department_id" in values:
        _check_department(conn, tenant_id, values["department_id"])
    if values:
        conn.execute(update(users).where(users.c.id == user_id, users.c.tenant_id == tenant_id).values(**values))
    if values.get("active") is False:
        revoke_user_tokens(conn, tenant_id, user_id)
    return get_user(conn, tenant_id, user_id)


def issue_user_token(
    conn: Connection,
    tenant_id: str,
    user_id: int,
    *,
    kind: str,
    name: str | None = None,
    ttl_ms: int | None = None,
) -> tuple[IssuedToken, int]:
    """A session token (``kind='session'``, with a lifetime) or an API key (``kind='api_key'``)."""
    issued = issue_token("usr" if kind == "session" else "key")
    now = now_ms()
    result = conn.execute(
        insert(api_tokens).values(
            tenant_id=tenant_id,
            user_id=user_id,
            kind=kind,
            name=name,
            token_hash=issued.digest,
            prefix=issued.prefix,
            created_at=now,
            expires_at=now + ttl_ms if ttl_ms else None,
        )
    )
    return issued, inserted_id(result)


def list_api_keys(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    query = (
        select(
            api_tokens.c.id,
            api_tokens.c.user_id,
            api_tokens.c.name,
            api_tokens.c.prefix,
            api_tokens.c.created_at,
            api_tokens.c.revoked_at,
        )
        .where(api_tokens.c.tenant_id == tenant_id, api_tokens.c.kind == "api_key")
        .order_by(api_tokens.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def revoke_token(conn: Connection, tenant_id: str, token_id: int) -> None:
    result = conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == token_id,
            api_tokens.c.tenant_id == tenant_id,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now_ms())
    )
    if result.rowcount == 0:
        raise NotFound(f"API key {token_id} not found")


def revoke_user_tokens(conn: Connection, tenant_id: str, user_id: int) -> None:
    conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.user_id == user_id,
            api_tokens.c.tenant_id == tenant_id,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now_ms())
    )


def actor_for_token(engine: Engine, token: str) -> Actor | None:
    """The active user a bearer token belongs to, if the token is valid now."""
    now = now_ms()
    query = (
        select(users.c.id, users.c.tenant_id, users.c.username, users.c.role)
        .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
        .where(
            api_tokens.c.token_hash == token_digest(token),
            api_tokens.c.revoked_at.is_(None),
            (api_tokens.c.expires_at.is_(None)) | (api_tokens.c.expires_at > now),
            users.c.active,
        )
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return Actor(user_id=row.id, tenant_id=row.tenant_id, username=row.username, role=Role(row.role))

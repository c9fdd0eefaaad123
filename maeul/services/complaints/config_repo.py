"""Per-tenant configuration of the complaints service: the Open311 jurisdiction, client keys, categories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.adapters.sql.tables import departments, tenants
from maeul.platform.clock import now_ms
from maeul.platform.secrets import issue_token, token_digest
from maeul.services.complaints.deadlines import Kind, parse_holidays
from maeul.services.complaints.open311.params import check_definitions
from maeul.services.complaints.tables import complaints_categories, complaints_keys, complaints_settings

DEFAULT_THRESHOLD = 0.5

# --- settings and jurisdiction ----------------------------------------------------------------------------


def get_settings(conn: Connection, tenant_id: str) -> dict[str, Any]:
    """The tenant's settings; without a row, the defaults (its jurisdiction_id is the tenant id)."""
    row = (
        conn.execute(select(complaints_settings).where(complaints_settings.c.tenant_id == tenant_id)).mappings().first()
    )
    if row is None:
        return {
            "tenant_id": tenant_id,
            "jurisdiction_id": tenant_id,
            "holidays": [],
            "triage_threshold": DEFAULT_THRESHOLD,
        }
    out = dict(row)
    out["jurisdiction_id"] = out["jurisdiction_id"] or tenant_id
    out.pop("updated_at", None)
    return out


def put_settings(
    conn: Connection, tenant_id: str, jurisdiction_id: str, holidays: list[str], triage_threshold: float
) -> dict[str, Any]:
    try:
        parse_holidays(holidays)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    if not 0 <= triage_threshold <= 1:
        raise Invalid("triage_threshold must be between 0 and 1")
    owner = tenant_by_jurisdiction(conn, jurisdiction_id)
    if owner is not None and owner != tenant_id:
        raise Conflict(f"jurisdiction_id {jurisdiction_id!r} is already used")
    if (
        jurisdiction_id != tenant_id
        and conn.execute(select(tenants.c.id).where(tenants.c.id == jurisdiction_id)).first()
    ):
        raise Conflict(f"jurisdiction_id {jurisdiction_id!r} is already used")
    values = {
        "jurisdiction_id": jurisdiction_id,
        "holidays": sorted(set(holidays)),
        "triage_threshold": triage_threshold,
        "updated_at": now_ms(),
    }
    try:
        with conn.begin_nested():
            done = conn.execute(
                update(complaints_settings).where(complaints_settings.c.tenant_id == tenant_id).values(**values)
            )
            if not done.rowcount:
                conn.execute(insert(complaints_settings).values(tenant_id=tenant_id, **values))
    except IntegrityError:
        raise Conflict(f"jurisdiction_id {jurisdiction_id!r} is already used") from None
    return get_settings(conn, tenant_id)


def tenant_by_jurisdiction(conn: Connection, jurisdiction_id: str) -> str | None:
    """The tenant an Open311 jurisdiction_id names: a configured one, else a tenant id not renamed."""
    found = conn.execute(
        select(complaints_settings.c.tenant_id).where(complaints_settings.c.jurisdiction_id == jurisdiction_id)
    ).scalar()
    if found is not None:
        return str(found)
    renamed = conn.execute(
        select(complaints_settings.c.jurisdiction_id).where(complaints_settings.c.tenant_id == jurisdiction_id)
    ).scalar()
    if renamed not in (None, jurisdiction_id):
        return None
    exists = conn.execute(select(tenants.c.id).where(tenants.c.id == jurisdiction_id)).scalar()
    return str(exists) if exists is not None else None


def only_tenant(conn: Connection) -> str | None:
    """The tenant of a single-municipality install (jurisdiction_id may then be left out)."""
    ids = conn.execute(select(tenants.c.id).limit(2)).scalars().all()
    return str(ids[0]) if len(ids) == 1 else None


def tenant_timezone(conn: Connection, tenant_id: str) -> str:
    zone = conn.execute(select(tenants.c.timezone).where(tenants.c.id == tenant_id)).scalar()
    return str(zone or "Asia/Seoul")


# --- client keys (Open311 api_key) ----------------------------------------------------------------------

KEY_COLUMNS = [complaints_keys.c.id, complaints_keys.c.name, complaints_keys.c.created_at, complaints_keys.c.revoked_at]


def create_key(conn: Connection, tenant_id: str, name: str) -> dict[str, Any]:
    """A new client key; the key itself is in the answer only (``api_key``), its digest is stored."""
    issued = issue_token("o311")
    at = now_ms()
    result = conn.execute(
        insert(complaints_keys).values(tenant_id=tenant_id, name=name, digest=issued.digest, created_at=at)
    )
    return {"id": inserted_id(result), "name": name, "created_at": at, "revoked_at": None, "api_key": issued.token}


def list_keys(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    query = select(*KEY_COLUMNS).where(complaints_keys.c.tenant_id == tenant_id).order_by(complaints_keys.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def revoke_key(conn: Connection, tenant_id: str, key_id: int) -> None:
    done = conn.execute(
        update(complaints_keys)
        .where(complaints_keys.c.id == key_id, complaints_keys.c.tenant_id == tenant_id)
        .where(complaints_keys.c.revoked_at.is_(None))
        .values(revoked_at=now_ms())
    )
    if not done.rowcount:
        raise NotFound(f"key {key_id} not found")


def key_owner(conn: Connection, api_key: str) -> tuple[str, int] | None:
    """(tenant, key id) of a valid client key."""
    row = conn.execute(
        select(complaints_keys.c.tenant_id, complaints_keys.c.id).where(
            complaints_keys.c.digest == token_digest(api_key), complaints_keys.c.revoked_at.is_(None)
        )
    ).first()
    return (str(row[0]), int(row[1])) if row else None


# --- categories (Open311 services) ------------------------------------------------------------------------

CATEGORY_FIELDS = ("code", "name", "name_en", "description", "kind", "department_id", "keywords", "group_name",
                   "attributes", "active")  # fmt: skip


def _check(conn: Connection, tenant_id: str, values: dict[str, Any]) -> dict[str, Any]:
    if "kind" in values:
        try:
            values["kind"] = Kind(values["kind"]).value
        except ValueError:
            raise Invalid(f"kind must be one of {', '.join(k.value for k in Kind)}") from None
    if values.get("department_id") is not None:
        found = conn.execute(
            select(departments.c.id).where(
                departments.c.id == values["department_id"], departments.c.tenant_id == tenant_id
            )
        ).first()
        if not found:
            raise Invalid(f"department {values['department_id']} does not exist")
    if "attributes" in values:
        try:
            values["attributes"] = check_definitions(values["attributes"] or [])
        except ValueError as exc:
            raise Invalid(str(exc)) from None
    return values


def create_category(conn: Connection, tenant_id: str, values: dict[str, Any]) -> dict[str, Any]:
    row = _check(conn, tenant_id, {k: v for k, v in values.items() if k in CATEGORY_FIELDS})
    row.setdefault("attributes", [])
    row.setdefault("kind", Kind.GRIEVANCE.value)
    try:
        with conn.begin_nested():
            result = conn.execute(insert(complaints_categories).values(tenant_id=tenant_id, created_at=now_ms(), **row))
    except IntegrityError:
        raise Conflict(f"category {row.get('code')!r} already exists") from None
    return get_category(conn, tenant_id, inserted_id(result))


def get_category(conn: Connection, tenant_id: str, category_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(complaints_categories).where(
                complaints_categories.c.id == category_id, complaints_categories.c.tenant_id == tenant_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"category {category_id} not found")
    return dict(row)


def category_by_code(conn: Connection, tenant_id: str, code: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(complaints_categories).where(
                complaints_categories.c.code == code, complaints_categories.c.tenant_id == tenant_id
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def list_categories(conn: Connection, tenant_id: str, *, active_only: bool = False) -> list[dict[str, Any]]:
    query = select(complaints_categories).where(complaints_categories.c.tenant_id == tenant_id)
    if active_only:
        query = query.where(complaints_categories.c.active.is_(True))
    return [dict(r) for r in conn.execute(query.order_by(complaints_categories.c.code)).mappings()]


def update_category(conn: Connection, tenant_id: str, category_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    get_category(conn, tenant_id, category_id)
    values = _check(conn, tenant_id, {k: v for k, v in changes.items() if k in CATEGORY_FIELDS})
    if values:
        try:
            with conn.begin_nested():
                conn.execute(
                    update(complaints_categories)
                    .where(complaints_categories.c.id == category_id, complaints_categories.c.tenant_id == tenant_id)
                    .values(**values)
                )
        except IntegrityError:
            raise Conflict(f"category {values.get('code')!r} already exists") from None
    return get_category(conn, tenant_id, category_id)


def category_count(conn: Connection, tenant_id: str) -> int:
    query = (
        select(func.count()).select_from(complaints_categories).where(complaints_categories.c.tenant_id == tenant_id)
    )
    return int(conn.execute(query).scalar_one())

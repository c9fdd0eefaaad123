"""Personal data: residents and family contacts (every identifying field encrypted), and the audited view.

Only :func:`personal_view` and :func:`family_addresses` decrypt; the first checks who asks and writes the audit
line in the same transaction, the second serves notifications (the family's own address, to reach them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from maeul.adapters.sql.accounts import Actor
from maeul.adapters.sql.errors import Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.platform.clock import now_ms
from maeul.services.care.core.access import may_see_personal
from maeul.services.care.core.family import FAMILY_LEVELS, chosen_level, told_of
from maeul.services.care.crypto import FieldCipher, new_uid
from maeul.services.care.store import staff
from maeul.services.care.store.households import get_household, secret_row
from maeul.services.care.tables import care_family, care_residents

RESIDENT_FIELDS = ("name", "birth_year", "conditions", "consent")
FAMILY_FIELDS = ("name", "relation", "phone", "email")
FAMILY_EVENTS = frozenset({"danger", "emergency", "closed"})


class PersonalDataDenied(PermissionError):
    """The caller is neither a supervisor nor a caseworker assigned to the home's district."""


def _seal_all(cipher: FieldCipher, tenant_id: str, table: str, uid: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{name}_enc": cipher.seal(value, tenant_id=tenant_id, table=table, uid=uid, column=name)
        for name, value in values.items()
    }


def _open_all(cipher: FieldCipher, row: dict[str, Any], table: str, fields: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: cipher.open(row[f"{name}_enc"], tenant_id=row["tenant_id"], table=table, uid=row["uid"], column=name)
        for name in fields
    }


def check_preferences(preferences: dict[str, Any]) -> dict[str, Any]:
    events = preferences.get("events", ["danger", "emergency", "closed"])
    channel = preferences.get("channel", "sms")
    language = preferences.get("language", "ko")
    if not isinstance(events, list) or not set(events) <= FAMILY_EVENTS:
        raise Invalid(f"preferences.events must be a list of {', '.join(sorted(FAMILY_EVENTS))}")
    if channel not in ("sms", "email", "none"):
        raise Invalid("preferences.channel must be sms, email or none")
    if language not in ("ko", "en", "both"):
        raise Invalid("preferences.language must be ko, en or both")
    level = preferences.get("level")
    if level is not None and level not in FAMILY_LEVELS:
        raise Invalid(f"preferences.level must be one of {', '.join(FAMILY_LEVELS)} (or null)")
    events = sorted(set(events))
    level = level or chosen_level({"events": events})  # without a level: danger if the events list it
    return {"events": events, "channel": channel, "language": language, "level": level}


def add_resident(
    conn: Connection, cipher: FieldCipher, tenant_id: str, household_id: int, values: dict[str, Any]
) -> dict[str, Any]:
    get_household(conn, tenant_id, household_id)
    uid, now = new_uid(), now_ms()
    sealed = _seal_all(cipher, tenant_id, "care_residents", uid, {k: values.get(k) for k in RESIDENT_FIELDS})
    result = conn.execute(
        insert(care_residents).values(
            tenant_id=tenant_id, household_id=household_id, uid=uid, created_at=now, updated_at=now, **sealed
        )
    )
    return {"id": inserted_id(result), "household_id": household_id}


def add_family(
    conn: Connection, cipher: FieldCipher, tenant_id: str, household_id: int, values: dict[str, Any]
) -> dict[str, Any]:
    get_household(conn, tenant_id, household_id)
    preferences = check_preferences(values.get("preferences") or {})
    if preferences["channel"] == "sms" and not values.get("phone"):
        raise Invalid("an SMS preference needs a phone number")
    if preferences["channel"] == "email" and not values.get("email"):
        raise Invalid("an e-mail preference needs an e-mail address")
    uid, now = new_uid(), now_ms()
    sealed = _seal_all(cipher, tenant_id, "care_family", uid, {k: values.get(k) for k in FAMILY_FIELDS})
    result = conn.execute(
        insert(care_family).values(
            tenant_id=tenant_id,
            household_id=household_id,
            uid=uid,
            preferences=preferences,
            created_at=now,
            updated_at=now,
            **sealed,
        )
    )
    return {"id": inserted_id(result), "household_id": household_id, "preferences": preferences}


def _row(conn: Connection, table: Any, tenant_id: str, row_id: int, what: str) -> dict[str, Any]:
    row = conn.execute(select(table).where(table.c.id == row_id, table.c.tenant_id == tenant_id)).mappings().first()
    if row is None:
        raise NotFound(f"{what} {row_id} not found")
    return dict(row)


def update_resident(
    conn: Connection, cipher: FieldCipher, tenant_id: str, resident_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    row = _row(conn, care_residents, tenant_id, resident_id, "resident")
    fields = {k: v for k, v in changes.items() if k in RESIDENT_FIELDS}
    if fields:
        sealed = _seal_all(cipher, tenant_id, "care_residents", row["uid"], fields)
        conn.execute(
            update(care_residents).where(care_residents.c.id == resident_id).values(updated_at=now_ms(), **sealed)
        )
    return {"id": resident_id, "household_id": row["household_id"]}


def update_family(
    conn: Connection, cipher: FieldCipher, tenant_id: str, family_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    row = _row(conn, care_family, tenant_id, family_id, "family contact")
    fields = {k: v for k, v in changes.items() if k in FAMILY_FIELDS}
    values: dict[str, Any] = _seal_all(cipher, tenant_id, "care_family", row["uid"], fields) if fields else {}
    if "preferences" in changes:
        values["preferences"] = check_preferences(changes["preferences"] or {})
    if values:
        conn.execute(update(care_family).where(care_family.c.id == family_id).values(updated_at=now_ms(), **values))
    return {
        "id": family_id,
        "household_id": row["household_id"],
        "preferences": values.get("preferences", row["preferences"]),
    }


def delete_resident(conn: Connection, tenant_id: str, resident_id: int) -> None:
    _row(conn, care_residents, tenant_id, resident_id, "resident")
    conn.execute(delete(care_residents).where(care_residents.c.id == resident_id))


def delete_family(conn: Connection, tenant_id: str, family_id: int) -> None:
    _row(conn, care_family, tenant_id, family_id, "family contact")
    conn.execute(delete(care_family).where(care_family.c.id == family_id))


def may_see(conn: Connection, actor: Actor, district_code: str) -> bool:
    return may_see_personal(actor.role, district_code, staff.assigned_districts(conn, actor.tenant_id, actor.user_id))


def personal_view(conn: Connection, cipher: FieldCipher, actor: Actor, household_id: int) -> dict[str, Any]:
    """The home's address, residents and family, decrypted, for its caseworkers and supervisors; audited."""
    home = secret_row(conn, actor.tenant_id, household_id)
    if not may_see(conn, actor, home["district_code"]):
        raise PersonalDataDenied(f"household {household_id} is not in a district assigned to you")
    staff.audit(conn, actor, "view_personal", household_id, f"household:{household_id}")
    address = cipher.open(
        home["address_enc"], tenant_id=home["tenant_id"], table="care_households", uid=home["uid"], column="address"
    )
    residents = [
        {"id": r["id"], **_open_all(cipher, dict(r), "care_residents", RESIDENT_FIELDS)}
        for r in conn.execute(
            select(care_residents).where(care_residents.c.household_id == household_id).order_by(care_residents.c.id)
        ).mappings()
    ]
    family = [
        {"id": r["id"], "preferences": r["preferences"], **_open_all(cipher, dict(r), "care_family", FAMILY_FIELDS)}
        for r in conn.execute(
            select(care_family).where(care_family.c.household_id == household_id).order_by(care_family.c.id)
        ).mappings()
    ]
    return {"household_id": household_id, "address": address, "residents": residents, "family": family}


def family_addresses(
    conn: Connection, cipher: FieldCipher, tenant_id: str, household_id: int, event: str
) -> list[dict[str, Any]]:
    """The family members who want to hear about ``event`` (emergency, closed; or an alert level: attention,
    warning, danger, for those who chose that level or a lower one): id, channel, address and language (no
    names)."""
    out = []
    for r in conn.execute(
        select(care_family).where(care_family.c.tenant_id == tenant_id, care_family.c.household_id == household_id)
    ).mappings():
        prefs = r["preferences"] or {}
        channel = prefs.get("channel", "none")
        wanted = told_of(prefs, event) if event in FAMILY_LEVELS else event in prefs.get("events", [])
        if not wanted or channel == "none":
            continue
        column = "phone" if channel == "sms" else "email"
        address = cipher.open(r[f"{column}_enc"], tenant_id=tenant_id, table="care_family", uid=r["uid"], column=column)
        if address:
            out.append({"id": r["id"], "channel": channel, "address": address, "language": prefs.get("language", "ko")})
    return out


def counts(conn: Connection, tenant_id: str, household_id: int) -> dict[str, int]:
    residents = conn.execute(select(care_residents.c.id).where(care_residents.c.household_id == household_id)).all()
    family = conn.execute(select(care_family.c.id).where(care_family.c.household_id == household_id)).all()
    return {"residents": len(residents), "family": len(family)}

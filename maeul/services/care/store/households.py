"""Households: a label, a district, an encrypted address, their devices (grouped as a ``household`` entity so
alarms propagate to it), manual away mode and inactivity tiers. Device profiles per kind are created here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import rules as rule_repo
from maeul.adapters.sql.alarm_tables import entity_devices, rules
from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.adapters.sql.tables import device_profiles, devices, districts
from maeul.core.rules import registered_kinds
from maeul.platform.clock import now_ms
from maeul.services.care.core.devices import DETECTION_RULES, IMMEDIATE, KINDS, profile_keys, profile_name
from maeul.services.care.core.status import Status
from maeul.services.care.crypto import FieldCipher, new_uid
from maeul.services.care.tables import care_households, care_status

PUBLIC = [c for c in care_households.c if c.name not in ("address_enc", "uid")]


def _check_district(conn: Connection, tenant_id: str, code: str) -> None:
    found = conn.execute(
        select(districts.c.code).where(districts.c.tenant_id == tenant_id, districts.c.code == code)
    ).first()
    if found is None:
        raise Invalid(f"district {code!r} is not one of the tenant's districts")


def _check_tiers(tiers: Sequence[float] | None) -> list[float] | None:
    if tiers is None:
        return None
    values = [float(t) for t in tiers]
    if len(values) != 3 or not all(a < b for a, b in zip([0.0, *values], values, strict=False)):
        raise Invalid("tiers_h must be three increasing positive hours: attention, warning, danger")
    return values


def device_ids(conn: Connection, household: dict[str, Any]) -> list[int]:
    if household.get("entity_id") is None:
        return []
    rows = conn.execute(select(entity_devices.c.device_id).where(entity_devices.c.entity_id == household["entity_id"]))
    return sorted(rows.scalars())


def _check_devices(conn: Connection, tenant_id: str, ids: Iterable[int], household_id: int | None) -> list[int]:
    wanted = sorted(set(ids))
    for device_id in wanted:
        try:
            device_repo.get_device(conn, tenant_id, device_id)
        except NotFound:
            raise Invalid(f"device {device_id} does not exist") from None
    if wanted:  # a device belongs to one home
        taken = conn.execute(
            select(care_households.c.id, entity_devices.c.device_id)
            .join(entity_devices, entity_devices.c.entity_id == care_households.c.entity_id)
            .where(care_households.c.tenant_id == tenant_id, entity_devices.c.device_id.in_(wanted))
        ).all()
        others = sorted({d for h, d in taken if h != household_id})
        if others:
            raise Conflict(f"device(s) {', '.join(map(str, others))} already belong to another household")
    return wanted


def get_household(conn: Connection, tenant_id: str, household_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(
                *PUBLIC,
                care_status.c.status,
                care_status.c.reason_ko,
                care_status.c.reason_en,
                care_status.c.since,
                care_status.c.alarm_id,
            )
            .outerjoin(care_status, care_status.c.household_id == care_households.c.id)
            .where(care_households.c.id == household_id, care_households.c.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"household {household_id} not found")
    out = dict(row)
    out["device_ids"] = device_ids(conn, out)
    return out


def secret_row(conn: Connection, tenant_id: str, household_id: int) -> dict[str, Any]:
    """The full row, with its encrypted address and uid (for the personal-data view)."""
    row = (
        conn.execute(
            select(care_households).where(
                care_households.c.id == household_id, care_households.c.tenant_id == tenant_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"household {household_id} not found")
    return dict(row)


def list_households(
    conn: Connection,
    tenant_id: str,
    *,
    district_codes: Iterable[str] | None = None,
    status: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = (
        select(
            *PUBLIC,
            care_status.c.status,
            care_status.c.reason_ko,
            care_status.c.reason_en,
            care_status.c.since,
            care_status.c.alarm_id,
        )
        .outerjoin(care_status, care_status.c.household_id == care_households.c.id)
        .where(care_households.c.tenant_id == tenant_id)
    )
    if district_codes is not None:
        query = query.where(care_households.c.district_code.in_(sorted(set(district_codes))))
    if status is not None:
        query = query.where(care_status.c.status == status)
    rows = [
        dict(r) for r in conn.execute(query.order_by(care_households.c.code).limit(limit).offset(offset)).mappings()
    ]
    links = conn.execute(
        select(care_households.c.id, entity_devices.c.device_id)
        .join(entity_devices, entity_devices.c.entity_id == care_households.c.entity_id)
        .where(care_households.c.tenant_id == tenant_id)
    ).all()
    by_home: dict[int, list[int]] = {}
    for home_id, device_id in links:
        by_home.setdefault(home_id, []).append(device_id)
    for row in rows:
        row["device_ids"] = sorted(by_home.get(row["id"], []))
    return rows


def create_household(
    conn: Connection,
    cipher: FieldCipher,
    tenant_id: str,
    *,
    code: str,
    district_code: str,
    address: str | None = None,
    device_ids: Iterable[int] = (),
    tiers_h: Sequence[float] | None = None,
) -> dict[str, Any]:
    _check_district(conn, tenant_id, district_code)
    tiers = _check_tiers(tiers_h)
    wanted = _check_devices(conn, tenant_id, device_ids, None)
    entity = rule_repo.create_entity(conn, tenant_id, "household", f"care:{code}", {"service": "care"})
    uid, now = new_uid(), now_ms()
    address_enc = cipher.seal(address, tenant_id=tenant_id, table="care_households", uid=uid, column="address")
    try:
        with conn.begin_nested():
            result = conn.execute(
                insert(care_households).values(
                    tenant_id=tenant_id,
                    uid=uid,
                    code=code,
                    district_code=district_code,
                    entity_id=entity["id"],
                    address_enc=address_enc,
                    tiers_h=tiers,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        raise Conflict(f"a household with code {code!r} already exists") from None
    household_id = inserted_id(result)
    if wanted:
        rule_repo.set_entity_devices(conn, tenant_id, entity["id"], wanted)
    conn.execute(
        insert(care_status).values(
            household_id=household_id,
            tenant_id=tenant_id,
            status=Status.NORMAL.value,
            reason_ko="새로 등록됨",
            reason_en="newly enrolled",
            alarm_id=None,
            since=now,
            updated_at=now,
        )
    )
    return get_household(conn, tenant_id, household_id)


def update_household(
    conn: Connection, cipher: FieldCipher | None, tenant_id: str, household_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    row = secret_row(conn, tenant_id, household_id)
    values: dict[str, Any] = {}
    if "district_code" in changes:
        _check_district(conn, tenant_id, changes["district_code"])
        values["district_code"] = changes["district_code"]
    if "code" in changes:
        values["code"] = changes["code"]
    if "address" in changes:
        if cipher is None:
            raise RuntimeError("changing the address needs the cipher")
        values["address_enc"] = cipher.seal(
            changes["address"], tenant_id=tenant_id, table="care_households", uid=row["uid"], column="address"
        )
    if "tiers_h" in changes:
        values["tiers_h"] = _check_tiers(changes["tiers_h"])
    if "away_until" in changes:
        values["away_until"] = changes["away_until"]
    if "active" in changes:
        values["active"] = bool(changes["active"])
    if "device_ids" in changes:
        wanted = _check_devices(conn, tenant_id, changes["device_ids"], household_id)
        rule_repo.set_entity_devices(conn, tenant_id, row["entity_id"], wanted)
    if values:
        values["updated_at"] = now_ms()
        try:
            with conn.begin_nested():
                conn.execute(update(care_households).where(care_households.c.id == household_id).values(**values))
        except IntegrityError:
            raise Conflict(f"a household with code {changes.get('code')!r} already exists") from None
    return get_household(conn, tenant_id, household_id)


def delete_household(conn: Connection, tenant_id: str, household_id: int) -> None:
    row = secret_row(conn, tenant_id, household_id)
    conn.execute(delete(care_households).where(care_households.c.id == household_id))
    if row["entity_id"] is not None:
        rule_repo.delete_entity(conn, tenant_id, row["entity_id"])


def household_of_device(conn: Connection, tenant_id: str, device_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(care_households.c.id)
        .join(entity_devices, entity_devices.c.entity_id == care_households.c.entity_id)
        .where(care_households.c.tenant_id == tenant_id, entity_devices.c.device_id == device_id)
    ).first()
    return None if row is None else get_household(conn, tenant_id, row[0])


def household_of_entity(conn: Connection, tenant_id: str, entity_id: int) -> int | None:
    return conn.execute(
        select(care_households.c.id).where(
            care_households.c.tenant_id == tenant_id, care_households.c.entity_id == entity_id
        )
    ).scalar_one_or_none()


# --- device profiles and devices per kind ------------------------------------------------------------------


def ensure_profiles(conn: Connection, tenant_id: str, kinds: Iterable[str] = tuple(KINDS)) -> dict[str, int]:
    """The profile id of each kind, creating missing profiles and the immediate-alarm rules (button, smoke, gas)."""
    out: dict[str, int] = {}
    for kind in kinds:
        if kind not in KINDS:
            raise Invalid(f"unknown device kind {kind!r}; one of {', '.join(KINDS)}")
        name = profile_name(kind)
        found = conn.execute(
            select(device_profiles.c.id).where(device_profiles.c.tenant_id == tenant_id, device_profiles.c.name == name)
        ).scalar_one_or_none()
        if found is None:
            label_ko, label_en, _ = KINDS[kind]
            created = device_repo.create_profile(
                conn, tenant_id, name, profile_keys(kind), description=f"돌봄 {label_ko} / care {label_en}"
            )
            found = int(created["id"])
        out[kind] = found
        if kind in IMMEDIATE:
            alarm_type, key, _ko, _en = IMMEDIATE[kind]
            has_rule = conn.execute(
                select(func.count())
                .select_from(rules)
                .where(rules.c.profile_id == found, rules.c.alarm_type == alarm_type)
            ).scalar_one()
            if not has_rule:
                rule_repo.create_rule(
                    conn,
                    tenant_id,
                    found,
                    name=f"care {kind}",
                    alarm_type=alarm_type,
                    severity="critical",
                    condition={"kind": "threshold", "key": key, "op": ">=", "value": 1},
                )
        for alarm_type, severity, condition in DETECTION_RULES.get(kind, ()):
            if condition["kind"] in registered_kinds():
                _ensure_rule(conn, tenant_id, found, kind, alarm_type, severity, condition)
    return out


def _ensure_rule(
    conn: Connection, tenant_id: str, profile_id: int, kind: str, alarm_type: str, severity: str, cond: dict[str, Any]
) -> None:
    """The rule of that alarm type and condition (a profile may have one per level of an alarm type)."""
    existing = conn.execute(
        select(rules.c.condition).where(rules.c.profile_id == profile_id, rules.c.alarm_type == alarm_type)
    ).scalars()
    if not any(_same_level(c, cond) for c in existing):
        level = cond.get("level")
        name = f"care {kind}" if level is None else f"care {kind} {level}"
        rule_repo.create_rule(
            conn, tenant_id, profile_id, name=name, alarm_type=alarm_type, severity=severity, condition=cond
        )


def _same_level(existing: object, wanted: dict[str, Any]) -> bool:
    """Whether a stored condition is the wanted one's kind at its level (a missing level is attention)."""
    if not isinstance(existing, dict) or existing.get("kind") != wanted["kind"]:
        return False
    return bool(existing.get("level", "attention") == wanted.get("level", "attention"))


def add_devices(
    conn: Connection, tenant_id: str, household_id: int, kinds: Sequence[str]
) -> list[tuple[dict[str, Any], str]]:
    """Create one device per kind for the home (named ``<code>-<kind>``), linked to it; returns (row, token)."""
    home = get_household(conn, tenant_id, household_id)
    if not kinds:
        raise Invalid("name at least one device kind")
    profiles = ensure_profiles(conn, tenant_id, kinds)
    created: list[tuple[dict[str, Any], str]] = []
    taken = set(device_repo.device_names(conn, tenant_id))
    for kind in kinds:
        base = f"{home['code']}-{kind}"
        name, n = base, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        row, token = device_repo.create_device(
            conn,
            tenant_id,
            name,
            profile=profiles[kind],
            district_code=home["district_code"],
            attributes={"care_kind": kind, "household": home["code"]},
        )
        created.append((row, token))
    ids = [*home["device_ids"], *(row["id"] for row, _ in created)]
    row = secret_row(conn, tenant_id, household_id)
    rule_repo.set_entity_devices(conn, tenant_id, row["entity_id"], ids)
    return created


def device_kinds(conn: Connection, ids: Sequence[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    rows = conn.execute(select(devices.c.id, devices.c.name, devices.c.attributes).where(devices.c.id.in_(ids)))
    return {r.id: (r.attributes or {}).get("care_kind") for r in rows}

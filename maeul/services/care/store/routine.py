"""Per-home routine settings set by the caseworker: the pill box's dose times and the resident's vitals ranges.

They are kept in ``care_routine`` and handed to the detection as overrides of the home's ``care.medication`` and
``care.vitals`` rules on the home's entity (so every device of the home, hub or pill box or cuff, uses them).
``None`` means "the defaults": learned dose times, the default ranges.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from maeul.adapters.sql import rules as rule_repo
from maeul.adapters.sql.alarm_tables import rule_overrides, rules
from maeul.adapters.sql.errors import Invalid
from maeul.adapters.sql.tables import devices
from maeul.platform.clock import now_ms
from maeul.services.care.detection.config import ConfigError
from maeul.services.care.detection.medication import MedicationConfig
from maeul.services.care.detection.vitals import VitalsConfig
from maeul.services.care.store.households import device_ids, secret_row
from maeul.services.care.tables import care_routine

FIELDS = {"medication": "care.medication", "vitals": "care.vitals"}  # setting -> the rule kind that reads it


def get_settings(conn: Connection, tenant_id: str, household_id: int) -> dict[str, Any]:
    """``{"medication": {...} | None, "vitals": {...} | None}`` of a home (NotFound for another tenant's)."""
    secret_row(conn, tenant_id, household_id)
    row = conn.execute(select(care_routine).where(care_routine.c.household_id == household_id)).mappings().first()
    return {"medication": None if row is None else row["medication"], "vitals": None if row is None else row["vitals"]}


def effective(settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The settings with every default filled in (what the detection uses), for showing them."""
    return {
        "medication": MedicationConfig.from_json(settings.get("medication") or {}).to_json(),
        "vitals": VitalsConfig.from_json(settings.get("vitals") or {}).to_json(),
    }


def _checked(name: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        if name == "medication":
            MedicationConfig.from_json(value)
        else:
            VitalsConfig.from_json(value)
    except ConfigError as exc:
        raise Invalid(f"{name}: {exc}") from None
    return dict(value)


def set_settings(conn: Connection, tenant_id: str, household_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change ``medication`` and/or ``vitals`` (a null resets to the defaults); checked before anything is
    written (Invalid with a ko + en message names the setting); applied to the home's rules."""
    current = get_settings(conn, tenant_id, household_id)
    new = dict(current)
    for name in FIELDS:
        if name in changes:
            new[name] = _checked(name, changes[name])
    now = now_ms()
    exists = conn.execute(
        select(care_routine.c.household_id).where(care_routine.c.household_id == household_id)
    ).first()
    if exists is None:
        conn.execute(insert(care_routine).values(household_id=household_id, tenant_id=tenant_id, updated_at=now, **new))
    else:
        conn.execute(
            update(care_routine).where(care_routine.c.household_id == household_id).values(updated_at=now, **new)
        )
    apply_to_rules(conn, tenant_id, household_id, new)
    return new


def apply_to_rules(conn: Connection, tenant_id: str, household_id: int, settings: dict[str, Any] | None = None) -> int:
    """Write (or remove) the overrides of the home's routine rules on its entity; returns how many rules."""
    home = secret_row(conn, tenant_id, household_id)
    if home["entity_id"] is None:
        return 0
    wanted = get_settings(conn, tenant_id, household_id) if settings is None else settings
    ids = device_ids(conn, home)
    if not ids:
        return 0
    profile_ids = sorted(set(conn.execute(select(devices.c.profile_id).where(devices.c.id.in_(ids))).scalars()))
    rows = conn.execute(
        select(rules.c.id, rules.c.condition).where(rules.c.tenant_id == tenant_id, rules.c.profile_id.in_(profile_ids))
    ).all()
    touched = 0
    for rule_id, condition in rows:
        kind = (condition or {}).get("kind")
        name = next((n for n, k in FIELDS.items() if k == kind), None)
        if name is None:
            continue
        touched += 1
        config = wanted.get(name)
        if config is None:
            conn.execute(
                delete(rule_overrides).where(
                    rule_overrides.c.rule_id == rule_id,
                    rule_overrides.c.target_kind == "entity",
                    rule_overrides.c.target_id == home["entity_id"],
                )
            )
        else:
            rule_repo.set_override(
                conn, tenant_id, rule_id, "entity", home["entity_id"], {"condition": {"config": config}}, None
            )
    return touched

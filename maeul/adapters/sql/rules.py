"""Rules of device profiles, their per-device and per-entity overrides, entities (groups of devices), rule state."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql

from maeul.adapters.sql.alarm_tables import entities, entity_devices, rule_overrides, rule_states, rules
from maeul.adapters.sql.devices import get_device, get_profile
from maeul.adapters.sql.errors import Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.adapters.sql.raw_cursor import raw_cursor
from maeul.adapters.sql.sqlite_multirow import execute_padded
from maeul.adapters.sql.tables import devices
from maeul.core.rules import Rule, RuleSpecError, RuleState, merge_patch, parse_rule, resolve
from maeul.platform.clock import now_ms

log = logging.getLogger("maeul.rules")


def rule_document(row: dict[str, Any]) -> dict[str, Any]:
    """The engine's JSON form of a stored rule (its id is the database id, as text)."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "alarm_type": row["alarm_type"],
        "severity": row["severity"],
        "condition": row["condition"],
        "enabled": bool(row["enabled"]),
    }


def check_rule(document: dict[str, Any]) -> Rule:
    try:
        return parse_rule(document)
    except RuleSpecError as exc:
        raise Invalid(str(exc)) from None


# --- rules ----------------------------------------------------------------------------------------------


def create_rule(
    conn: Connection,
    tenant_id: str,
    profile_id: int,
    *,
    name: str,
    alarm_type: str,
    severity: str,
    condition: dict[str, Any],
    enabled: bool = True,
) -> dict[str, Any]:
    get_profile(conn, tenant_id, profile_id)
    check_rule(
        {
            "id": "new",
            "name": name,
            "alarm_type": alarm_type,
            "severity": severity,
            "condition": condition,
            "enabled": enabled,
        }
    )
    now = now_ms()
    result = conn.execute(
        insert(rules).values(
            tenant_id=tenant_id,
            profile_id=profile_id,
            name=name,
            alarm_type=alarm_type,
            severity=severity,
            condition=condition,
            enabled=enabled,
            created_at=now,
            updated_at=now,
        )
    )
    return get_rule(conn, tenant_id, inserted_id(result))


def get_rule(conn: Connection, tenant_id: str, rule_id: int) -> dict[str, Any]:
    row = conn.execute(select(rules).where(rules.c.id == rule_id, rules.c.tenant_id == tenant_id)).mappings().first()
    if row is None:
        raise NotFound(f"rule {rule_id} not found")
    return dict(row)


def list_rules(conn: Connection, tenant_id: str, profile_id: int | None = None) -> list[dict[str, Any]]:
    query = select(rules).where(rules.c.tenant_id == tenant_id)
    if profile_id is not None:
        query = query.where(rules.c.profile_id == profile_id)
    return [dict(r) for r in conn.execute(query.order_by(rules.c.id)).mappings()]


def update_rule(conn: Connection, tenant_id: str, rule_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    current = get_rule(conn, tenant_id, rule_id)
    merged = rule_document({**current, **changes})
    check_rule(merged)
    for override in conn.execute(select(rule_overrides).where(rule_overrides.c.rule_id == rule_id)).mappings():
        try:
            parse_rule(merge_patch(merged, _patch(override), "override"))
        except RuleSpecError as exc:
            where = f"{override['target_kind']} {override['target_id']}"
            raise Invalid(f"override {override['id']} (for {where}) would no longer fit the rule: {exc}") from None
    if changes:
        conn.execute(update(rules).where(rules.c.id == rule_id).values(**changes, updated_at=now_ms()))
    return get_rule(conn, tenant_id, rule_id)


def delete_rule(conn: Connection, tenant_id: str, rule_id: int) -> dict[str, Any]:
    row = get_rule(conn, tenant_id, rule_id)
    conn.execute(delete(rules).where(rules.c.id == rule_id))
    return row


# --- entities -------------------------------------------------------------------------------------------


def create_entity(
    conn: Connection, tenant_id: str, kind: str, name: str, attributes: dict[str, Any] | None = None
) -> dict[str, Any]:
    result = conn.execute(
        insert(entities).values(
            tenant_id=tenant_id, kind=kind, name=name, attributes=attributes or {}, created_at=now_ms()
        )
    )
    return get_entity(conn, tenant_id, inserted_id(result))


def get_entity(conn: Connection, tenant_id: str, entity_id: int) -> dict[str, Any]:
    row = (
        conn.execute(select(entities).where(entities.c.id == entity_id, entities.c.tenant_id == tenant_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"entity {entity_id} not found")
    out = dict(row)
    out["device_ids"] = list(
        conn.execute(
            select(entity_devices.c.device_id)
            .where(entity_devices.c.entity_id == entity_id)
            .order_by(entity_devices.c.device_id)
        ).scalars()
    )
    return out


def list_entities(conn: Connection, tenant_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    query = select(entities.c.id).where(entities.c.tenant_id == tenant_id)
    if kind:
        query = query.where(entities.c.kind == kind)
    return [get_entity(conn, tenant_id, i) for i in conn.execute(query.order_by(entities.c.id)).scalars()]


def delete_entity(conn: Connection, tenant_id: str, entity_id: int) -> None:
    get_entity(conn, tenant_id, entity_id)
    conn.execute(delete(entities).where(entities.c.id == entity_id))


def set_entity_devices(conn: Connection, tenant_id: str, entity_id: int, device_ids: Iterable[int]) -> dict[str, Any]:
    get_entity(conn, tenant_id, entity_id)
    ids = sorted(set(device_ids))
    for device_id in ids:
        try:
            get_device(conn, tenant_id, device_id)
        except NotFound:
            raise Invalid(f"device {device_id} does not exist") from None
    conn.execute(delete(entity_devices).where(entity_devices.c.entity_id == entity_id))
    if ids:
        conn.execute(insert(entity_devices), [{"entity_id": entity_id, "device_id": d} for d in ids])
    return get_entity(conn, tenant_id, entity_id)


# --- overrides ------------------------------------------------------------------------------------------


def set_override(
    conn: Connection,
    tenant_id: str,
    rule_id: int,
    target_kind: str,
    target_id: int,
    params: dict[str, Any],
    enabled: bool | None,
) -> dict[str, Any]:
    """Override a rule for one device or one entity: ``params`` is deep-merged into the rule's JSON."""
    rule = get_rule(conn, tenant_id, rule_id)
    if target_kind == "device":
        get_device(conn, tenant_id, target_id)
    elif target_kind == "entity":
        get_entity(conn, tenant_id, target_id)
    else:
        raise Invalid("target_kind must be device or entity")
    if "id" in params:
        raise Invalid("an override cannot change a rule's id")
    patch = dict(params) | ({"enabled": enabled} if enabled is not None else {})
    try:
        parse_rule(merge_patch(rule_document(rule), patch, "override"))
    except RuleSpecError as exc:
        raise Invalid(str(exc)) from None
    conn.execute(
        delete(rule_overrides).where(
            rule_overrides.c.rule_id == rule_id,
            rule_overrides.c.target_kind == target_kind,
            rule_overrides.c.target_id == target_id,
        )
    )
    result = conn.execute(
        insert(rule_overrides).values(
            tenant_id=tenant_id,
            rule_id=rule_id,
            target_kind=target_kind,
            target_id=target_id,
            params=params,
            enabled=enabled,
        )
    )
    return {
        "id": inserted_id(result),
        "rule_id": rule_id,
        "target_kind": target_kind,
        "target_id": target_id,
        "params": params,
        "enabled": enabled,
    }


def list_overrides(conn: Connection, tenant_id: str, rule_id: int) -> list[dict[str, Any]]:
    get_rule(conn, tenant_id, rule_id)
    rows = conn.execute(select(rule_overrides).where(rule_overrides.c.rule_id == rule_id).order_by(rule_overrides.c.id))
    return [dict(r) for r in rows.mappings()]


def delete_override(conn: Connection, tenant_id: str, override_id: int) -> None:
    result = conn.execute(
        delete(rule_overrides).where(rule_overrides.c.id == override_id, rule_overrides.c.tenant_id == tenant_id)
    )
    if result.rowcount == 0:
        raise NotFound(f"override {override_id} not found")


# --- what the runner needs ------------------------------------------------------------------------------


def effective_rules(conn: Connection, device_id: int) -> list[Rule]:
    """The device's rules: its profile's, with its entities' overrides (in entity id order), then its own."""
    profile_id = conn.execute(select(devices.c.profile_id).where(devices.c.id == device_id)).scalar_one_or_none()
    if profile_id is None:
        return []
    rows = conn.execute(select(rules).where(rules.c.profile_id == profile_id).order_by(rules.c.id)).mappings().all()
    if not rows:
        return []
    base = [parse_rule(rule_document(dict(r))) for r in rows]
    entity_ids = list(
        conn.execute(
            select(entity_devices.c.entity_id)
            .where(entity_devices.c.device_id == device_id)
            .order_by(entity_devices.c.entity_id)
        ).scalars()
    )
    overrides = (
        conn.execute(select(rule_overrides).where(rule_overrides.c.rule_id.in_([r["id"] for r in rows])))
        .mappings()
        .all()
    )
    groups: list[dict[str, Any]] = []
    for entity_id in entity_ids:
        layer = {
            str(o["rule_id"]): _patch(o)
            for o in overrides
            if o["target_kind"] == "entity" and o["target_id"] == entity_id
        }
        if layer:
            groups.append(layer)
    own = {
        str(o["rule_id"]): _patch(o) for o in overrides if o["target_kind"] == "device" and o["target_id"] == device_id
    }
    return resolve(base, groups, own or None)


def effective_rules_many(conn: Connection, device_ids: Sequence[int]) -> dict[int, tuple[str, list[Rule]]]:
    """:func:`effective_rules` of many devices in a few queries: device id → (tenant, rules). Unknown devices,
    and devices whose overrides no longer fit their rules (logged), are left out."""
    out: dict[int, tuple[str, list[Rule]]] = {}
    for start in range(0, len(device_ids), 500):
        chunk = list(device_ids[start : start + 500])
        owners = conn.execute(
            select(devices.c.id, devices.c.tenant_id, devices.c.profile_id).where(devices.c.id.in_(chunk))
        )
        owner = {int(r[0]): (str(r[1]), int(r[2])) for r in owners}
        if not owner:
            continue
        profile_ids = sorted({p for _, p in owner.values()})
        rows = conn.execute(select(rules).where(rules.c.profile_id.in_(profile_ids)).order_by(rules.c.id)).mappings()
        base: dict[int, list[Rule]] = {p: [] for p in profile_ids}
        for row in rows:
            base[row["profile_id"]].append(parse_rule(rule_document(dict(row))))
        member_rows = conn.execute(
            select(entity_devices.c.device_id, entity_devices.c.entity_id)
            .where(entity_devices.c.device_id.in_(list(owner)))
            .order_by(entity_devices.c.entity_id)
        )
        memberships: dict[int, list[int]] = {}
        for device_id, entity_id in member_rows:
            memberships.setdefault(int(device_id), []).append(int(entity_id))
        entity_ids = sorted({e for es in memberships.values() for e in es})
        rule_ids = [int(r.id) for rs in base.values() for r in rs]
        targets = or_(
            and_(rule_overrides.c.target_kind == "device", rule_overrides.c.target_id.in_(list(owner))),
            and_(rule_overrides.c.target_kind == "entity", rule_overrides.c.target_id.in_(entity_ids)),
        )
        overrides = (
            conn.execute(select(rule_overrides).where(rule_overrides.c.rule_id.in_(rule_ids), targets)).mappings().all()
            if rule_ids
            else []
        )
        by_target: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
        for o in overrides:
            by_target.setdefault((o["target_kind"], int(o["target_id"])), {})[str(o["rule_id"])] = _patch(o)
        for device_id, (tenant_id, profile_id) in owner.items():
            profile_rules = base[profile_id]
            if not profile_rules:
                out[device_id] = (tenant_id, [])
                continue
            ours = {r.id for r in profile_rules}
            groups = []
            for entity_id in memberships.get(device_id, []):
                layer = {k: v for k, v in by_target.get(("entity", entity_id), {}).items() if k in ours}
                if layer:
                    groups.append(layer)
            own = {k: v for k, v in by_target.get(("device", device_id), {}).items() if k in ours}
            try:
                out[device_id] = (tenant_id, resolve(profile_rules, groups, own or None))
            except RuleSpecError as exc:  # an override that no longer fits: this device only is not evaluated
                log.error(
                    "device %s: its rule overrides cannot be applied (%s); its rules are not evaluated", device_id, exc
                )
    return out


def _patch(override: Any) -> dict[str, Any]:
    patch = dict(override["params"])
    if override["enabled"] is not None:
        patch["enabled"] = bool(override["enabled"])
    return patch


def load_states(conn: Connection, device_id: int) -> dict[str, RuleState]:
    rows = conn.execute(select(rule_states.c.rule_id, rule_states.c.state).where(rule_states.c.device_id == device_id))
    out: dict[str, RuleState] = {}
    for rule_id, state in rows:
        try:
            out[str(rule_id)] = RuleState.from_json(state)
        except (ValueError, TypeError, KeyError):
            continue  # an unreadable state starts afresh
    return out


def load_states_many(conn: Connection, device_ids: Sequence[int]) -> dict[int, dict[str, RuleState]]:
    """:func:`load_states` of many devices at once: device id → rule id → state."""
    out: dict[int, dict[str, RuleState]] = {}
    for start in range(0, len(device_ids), 500):
        chunk = list(device_ids[start : start + 500])
        query = select(rule_states.c.device_id, rule_states.c.rule_id, rule_states.c.state).where(
            rule_states.c.device_id.in_(chunk)
        )
        for device_id, rule_id, state in conn.execute(query):
            try:
                out.setdefault(int(device_id), {})[str(rule_id)] = RuleState.from_json(state)
            except (ValueError, TypeError, KeyError):
                continue  # an unreadable state starts afresh
    return out


def save_states(conn: Connection, device_id: int, states: dict[str, RuleState]) -> None:
    save_states_many(conn, {device_id: states})


def save_states_many(conn: Connection, states: dict[int, dict[str, RuleState]]) -> None:
    """Upsert the states of many devices: on SQLite in a few multi-row statements (see
    :mod:`maeul.adapters.sql.sqlite_multirow`), on PostgreSQL as one pipelined ``executemany``."""
    now = now_ms()
    if conn.dialect.name == "sqlite":
        rows = [
            (int(rule_id), device_id, orjson.dumps(state.to_json()).decode(), now)
            for device_id, device_states in states.items()
            for rule_id, state in device_states.items()
        ]
        if rows:
            with raw_cursor(conn, "save rule states") as cursor:
                execute_padded(cursor, _SQLITE_SAVE_STATES, rows, 4)
        return
    values = [
        {"rule_id": int(rule_id), "device_id": device_id, "state": state.to_json(), "updated_at": now}
        for device_id, device_states in states.items()
        for rule_id, state in device_states.items()
    ]
    if not values:
        return
    stmt = postgresql.insert(rule_states)
    stmt = stmt.on_conflict_do_update(
        index_elements=[rule_states.c.rule_id, rule_states.c.device_id],
        set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
    )
    conn.execute(stmt, values)


# A repeated row (padding) sets the same values again.
_SQLITE_SAVE_STATES = (
    "INSERT INTO rule_states (rule_id, device_id, state, updated_at) VALUES {values} "
    "ON CONFLICT (rule_id, device_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)

"""Rules of device profiles, entities (groups of devices), and per-device and per-entity rule overrides.

A rule raises an alarm of its type and severity while its condition holds on a device of its profile. An entity
(household, site, district, ...) groups devices: their alarms propagate to it, and its overrides change the
profile's rules for its devices; a device's own override comes last. Readers read; device managers write.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status
from sqlalchemy import Connection, delete

from maeul.adapters.http.alarm_schemas import (
    Entity,
    EntityCreate,
    EntityDevices,
    Override,
    OverrideSet,
    Rule,
    RuleCreate,
    RuleUpdate,
)
from maeul.adapters.http.deps import DeviceManager, IdPath, PlatformDep, ReadConn, Reader
from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql import devices as devices_repo
from maeul.adapters.sql import rules as repo
from maeul.adapters.sql.alarm_tables import rule_overrides
from maeul.core.rules import RuleSpecError, merge_patch, parse_rule
from maeul.platform.app import Platform

router = APIRouter(prefix="/api/v1", tags=["rules"])


def _rules_changed(platform: Platform) -> None:
    """The rule runner caches each device's effective rules: make it read them again (when it runs here)."""
    runner = getattr(platform, "rule_runner", None)
    invalidate = getattr(runner, "invalidate", None)
    if callable(invalidate):
        invalidate()


def _override_patch(override: dict[str, Any]) -> dict[str, Any]:
    patch = dict(override["params"])
    if override["enabled"] is not None:
        patch["enabled"] = bool(override["enabled"])
    return patch


def _check_overrides(conn: Connection, tenant_id: str, rule: dict[str, Any]) -> None:
    """A changed rule must still accept every override of it, or the devices concerned could not be evaluated."""
    document = repo.rule_document(rule)
    for override in repo.list_overrides(conn, tenant_id, rule["id"]):
        where = f"override {override['id']} ({override['target_kind']} {override['target_id']})"
        try:
            parse_rule(merge_patch(document, _override_patch(override), "override"))
        except RuleSpecError as exc:
            message = f"the changed rule no longer fits its {where}: {exc}; change or delete the override first"
            raise ApiError(422, "invalid", message) from None


# --- rules ----------------------------------------------------------------------------------------------


@router.get("/profiles/{profile_id}/rules", response_model=list[Rule])
def list_profile_rules(profile_id: IdPath, actor: Reader, conn: ReadConn) -> list[Rule]:
    """The profile's rules, oldest first."""
    devices_repo.get_profile(conn, actor.tenant_id, profile_id)
    return [Rule(**r) for r in repo.list_rules(conn, actor.tenant_id, profile_id)]


@router.post("/profiles/{profile_id}/rules", response_model=Rule, status_code=status.HTTP_201_CREATED)
def create_rule(profile_id: IdPath, body: RuleCreate, actor: DeviceManager, platform: PlatformDep) -> Rule:
    """Add a rule to the profile. A condition the engine cannot use is refused (422) with the path of the field
    at fault, e.g. ``condition.all[1].value: expected a finite number``."""
    with platform.engine.begin() as conn:
        row = repo.create_rule(
            conn,
            actor.tenant_id,
            profile_id,
            name=body.name,
            alarm_type=body.alarm_type,
            severity=body.severity,
            condition=body.condition,
            enabled=body.enabled,
        )
    _rules_changed(platform)
    return Rule(**row)


@router.get("/rules/{rule_id}", response_model=Rule)
def get_rule(rule_id: IdPath, actor: Reader, conn: ReadConn) -> Rule:
    return Rule(**repo.get_rule(conn, actor.tenant_id, rule_id))


@router.patch("/rules/{rule_id}", response_model=Rule)
def update_rule(rule_id: IdPath, body: RuleUpdate, actor: DeviceManager, platform: PlatformDep) -> Rule:
    """Change some of the rule's fields; the result must be a usable rule, also with each of its overrides."""
    with platform.engine.begin() as conn:
        row = repo.update_rule(conn, actor.tenant_id, rule_id, body.model_dump(exclude_unset=True))
        _check_overrides(conn, actor.tenant_id, row)
    _rules_changed(platform)
    return Rule(**row)


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: IdPath, actor: DeviceManager, platform: PlatformDep) -> None:
    """Remove the rule and its overrides (its alarms stay, as history)."""
    with platform.engine.begin() as conn:
        repo.delete_rule(conn, actor.tenant_id, rule_id)
    _rules_changed(platform)


# --- overrides ------------------------------------------------------------------------------------------


@router.get("/rules/{rule_id}/overrides", response_model=list[Override])
def list_overrides(rule_id: IdPath, actor: Reader, conn: ReadConn) -> list[Override]:
    return [Override(**o) for o in repo.list_overrides(conn, actor.tenant_id, rule_id)]


@router.put("/rules/{rule_id}/overrides", response_model=Override)
def set_override(rule_id: IdPath, body: OverrideSet, actor: DeviceManager, platform: PlatformDep) -> Override:
    """Set (or replace) the override of this rule for one device or one entity. ``params`` is deep-merged into
    the rule's JSON; ``enabled`` false turns the rule off there. The merged rule must be usable."""
    with platform.engine.begin() as conn:
        row = repo.set_override(
            conn, actor.tenant_id, rule_id, body.target_kind, body.target_id, body.params, body.enabled
        )
    _rules_changed(platform)
    return Override(**row)


@router.delete("/rule-overrides/{override_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_override(override_id: IdPath, actor: DeviceManager, platform: PlatformDep) -> None:
    with platform.engine.begin() as conn:
        repo.delete_override(conn, actor.tenant_id, override_id)
    _rules_changed(platform)


# --- entities -------------------------------------------------------------------------------------------


@router.get("/entities", response_model=list[Entity])
def list_entities(
    actor: Reader,
    conn: ReadConn,
    kind: str | None = Query(default=None, min_length=1, max_length=40),
) -> list[Entity]:
    return [Entity(**e) for e in repo.list_entities(conn, actor.tenant_id, kind)]


@router.post("/entities", response_model=Entity, status_code=status.HTTP_201_CREATED)
def create_entity(body: EntityCreate, actor: DeviceManager, platform: PlatformDep) -> Entity:
    """A group of devices (a household, a site, ...); add its devices with ``PUT /entities/{id}/devices``."""
    with platform.engine.begin() as conn:
        row = repo.create_entity(conn, actor.tenant_id, body.kind, body.name, body.attributes)
    return Entity(**row)


@router.get("/entities/{entity_id}", response_model=Entity)
def get_entity(entity_id: IdPath, actor: Reader, conn: ReadConn) -> Entity:
    return Entity(**repo.get_entity(conn, actor.tenant_id, entity_id))


@router.delete("/entities/{entity_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_entity(entity_id: IdPath, actor: DeviceManager, platform: PlatformDep) -> None:
    """Remove the entity, its device memberships and the rule overrides aimed at it (its alarms stay)."""
    with platform.engine.begin() as conn:
        repo.delete_entity(conn, actor.tenant_id, entity_id)
        conn.execute(
            delete(rule_overrides).where(
                rule_overrides.c.tenant_id == actor.tenant_id,
                rule_overrides.c.target_kind == "entity",
                rule_overrides.c.target_id == entity_id,
            )
        )
    _rules_changed(platform)


@router.put("/entities/{entity_id}/devices", response_model=Entity)
def set_entity_devices(entity_id: IdPath, body: EntityDevices, actor: DeviceManager, platform: PlatformDep) -> Entity:
    """Replace the entity's devices. New alarms of these devices propagate to the entity."""
    with platform.engine.begin() as conn:
        row = repo.set_entity_devices(conn, actor.tenant_id, entity_id, body.device_ids)
    _rules_changed(platform)
    return Entity(**row)

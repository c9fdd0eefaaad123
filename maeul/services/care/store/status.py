"""The live wellbeing status of each home: decided from its active alarms, its last movement, away mode and
device health (:func:`maeul.services.care.core.status.decide`), stored with its reason, kept when unchanged."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, false, insert, or_, select, update

from maeul.adapters.sql.alarm_tables import alarm_entities, alarms, rules
from maeul.adapters.sql.tables import devices, latest_values
from maeul.platform.clock import now_ms
from maeul.services.care.core.status import (
    DEFAULT_TIERS_H,
    DEVICE_SILENT_H,
    HOUR_MS,
    ActiveAlarm,
    HomeFacts,
    Verdict,
    decide,
)
from maeul.services.care.store.households import device_ids
from maeul.services.care.tables import care_households, care_settings, care_status

MOTION_KEYS = ("motion", "pressure", "door", "button", "pillbox_open")


def active_alarms(conn: Connection, tenant_id: str, home: dict[str, Any]) -> list[ActiveAlarm]:
    if home.get("entity_id") is None:
        return []
    propagated = select(alarm_entities.c.alarm_id).where(alarm_entities.c.entity_id == home["entity_id"])
    own = and_(alarms.c.originator_kind == "household", alarms.c.originator_id == home["entity_id"])
    rows = conn.execute(
        select(alarms.c.id, alarms.c.type, alarms.c.severity, alarms.c.start_ts, alarms.c.details)
        .where(alarms.c.tenant_id == tenant_id, alarms.c.cleared == false(), or_(alarms.c.id.in_(propagated), own))
        .order_by(alarms.c.start_ts)
    )
    return [ActiveAlarm(r.id, r.type, r.severity, r.start_ts, r.details or {}) for r in rows]


def tenant_tiers(conn: Connection, tenant_id: str) -> tuple[float, float, float]:
    tiers = conn.execute(select(care_settings.c.tiers_h).where(care_settings.c.tenant_id == tenant_id)).scalar()
    return (float(tiers[0]), float(tiers[1]), float(tiers[2])) if tiers else DEFAULT_TIERS_H


def _detected(conn: Connection, ids: list[int]) -> bool:
    """Whether one of these devices is watched by a ``care.inactivity`` rule (a hub, or sensors given one)."""
    profiles = select(devices.c.profile_id).where(devices.c.id.in_(ids))
    conditions = conn.execute(select(rules.c.condition).where(rules.c.profile_id.in_(profiles))).scalars()
    return any(isinstance(c, dict) and c.get("kind") == "care.inactivity" for c in conditions)


def facts_for(conn: Connection, tenant_id: str, home: dict[str, Any], now: int) -> HomeFacts:
    ids = device_ids(conn, home)
    last_motion: int | None = None
    silent: list[tuple[str, int | None]] = []
    if ids:
        latest = conn.execute(
            select(latest_values.c.device_id, latest_values.c.key, latest_values.c.ts, latest_values.c.value_num).where(
                latest_values.c.device_id.in_(ids)
            )
        ).all()
        names = dict(conn.execute(select(devices.c.id, devices.c.name).where(devices.c.id.in_(ids))).all())
        newest: dict[int, int] = {}
        for device_id, key, ts, value in latest:
            newest[device_id] = max(newest.get(device_id, 0), ts)
            if key in MOTION_KEYS and value and (last_motion is None or ts > last_motion):
                last_motion = ts
        silent = [
            (names.get(d, str(d)), newest.get(d))
            for d in ids
            if newest.get(d) is None or now - newest[d] > DEVICE_SILENT_H * HOUR_MS
        ]
        if len(silent) == len(ids) and not newest:
            silent = []  # a home not yet installed: nothing ever reported; no fault to chase
        if _detected(conn, ids):
            last_motion = None  # the detection's own rule applies the tiers (and its learned routine) itself
    tiers = home.get("tiers_h")
    return HomeFacts(
        now=now,
        alarms=active_alarms(conn, tenant_id, home),
        last_motion_ts=last_motion,
        silent_devices=silent,
        away_until=home.get("away_until"),
        tiers_h=(float(tiers[0]), float(tiers[1]), float(tiers[2])) if tiers else tenant_tiers(conn, tenant_id),
    )


def save(conn: Connection, tenant_id: str, household_id: int, verdict: Verdict, now: int) -> bool:
    """Store the verdict; ``since`` moves only when the status itself changes. True if anything changed."""
    current = conn.execute(select(care_status).where(care_status.c.household_id == household_id)).mappings().first()
    values = {
        "status": verdict.status.value,
        "reason_ko": verdict.reason_ko,
        "reason_en": verdict.reason_en,
        "alarm_id": verdict.alarm_id,
        "updated_at": now,
    }
    if current is None:
        conn.execute(insert(care_status).values(household_id=household_id, tenant_id=tenant_id, since=now, **values))
        return True
    same = all(current[k] == values[k] for k in ("status", "reason_ko", "reason_en", "alarm_id"))
    if same:
        return False
    if current["status"] != verdict.status.value:
        values["since"] = now
    conn.execute(update(care_status).where(care_status.c.household_id == household_id).values(**values))
    return True


def evaluate_home(conn: Connection, tenant_id: str, household_id: int, now: int | None = None) -> tuple[Verdict, bool]:
    at = now_ms() if now is None else now
    home = dict(
        conn.execute(
            select(care_households).where(
                care_households.c.id == household_id, care_households.c.tenant_id == tenant_id
            )
        )
        .mappings()
        .one()
    )
    verdict = decide(facts_for(conn, tenant_id, home, at))
    return verdict, save(conn, tenant_id, household_id, verdict, at)


def evaluate_tenant(conn: Connection, tenant_id: str, now: int | None = None) -> int:
    """Re-decide every active home of the tenant; returns how many changed."""
    ids = conn.execute(
        select(care_households.c.id).where(care_households.c.tenant_id == tenant_id, care_households.c.active.is_(True))
    ).scalars()
    changed = 0
    for household_id in list(ids):
        changed += int(evaluate_home(conn, tenant_id, household_id, now)[1])
    return changed


def care_tenants(conn: Connection) -> list[str]:
    return sorted(set(conn.execute(select(care_households.c.tenant_id)).scalars()))


def households_for_alarm(conn: Connection, alarm: dict[str, Any]) -> Iterable[int]:
    """The homes an alarm concerns: through the entities it propagated to, or its own household entity."""
    entity_ids = set(
        conn.execute(select(alarm_entities.c.entity_id).where(alarm_entities.c.alarm_id == alarm["id"])).scalars()
    )
    if alarm["originator_kind"] != "device":
        entity_ids.add(alarm["originator_id"])
    if not entity_ids:
        return []
    return list(
        conn.execute(
            select(care_households.c.id).where(
                care_households.c.tenant_id == alarm["tenant_id"], care_households.c.entity_id.in_(sorted(entity_ids))
            )
        ).scalars()
    )

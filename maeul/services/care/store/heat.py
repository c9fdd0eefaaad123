"""Heat-wave days for the homes (database side): the hubs of each district with their newest ``heat_wave`` value,
the heat warnings of the weather service, and the hub profile's key for it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql.alarm_tables import entity_devices
from maeul.adapters.sql.errors import NotFound
from maeul.adapters.sql.tables import device_profiles, devices, latest_values, tenants
from maeul.services.care.core.devices import HUB_KEYS, profile_name
from maeul.services.care.core.heat import flag_changes, local_midnight_ms
from maeul.services.care.detection.climate import HEAT_WAVE
from maeul.services.care.tables import care_households
from maeul.services.warnings.heat import heat_wave_districts


@dataclass(frozen=True, slots=True)
class HubFlag:
    """A hub whose ``heat_wave`` value must change: to ``on``, at ``ts`` (after its newest reading)."""

    hub_id: int
    on: bool
    ts: int


def ensure_hub_key(conn: Connection, tenant_id: str) -> bool:
    """Add the ``heat_wave`` key to the tenant's hub profile if it was created without it; True if added."""
    try:
        profile = device_repo.profile_by_name(conn, tenant_id, profile_name("hub"))
    except NotFound:
        return False
    keys = list(profile["keys"])
    if any(k.get("key") == HEAT_WAVE for k in keys):
        return False
    spec = next(k for k in HUB_KEYS if k["key"] == HEAT_WAVE)
    device_repo.update_profile(conn, tenant_id, profile["id"], {"keys": [*keys, dict(spec)]})
    return True


def hub_changes(conn: Connection, tenant_id: str, now: int) -> list[HubFlag]:
    """The hubs of the tenant's active homes whose heat-wave flag is not what the heat warnings say today."""
    zone = conn.execute(select(tenants.c.timezone).where(tenants.c.id == tenant_id)).scalar() or "Asia/Seoul"
    hot = heat_wave_districts(conn, tenant_id, since_ms=local_midnight_ms(now, zone))
    hubs = conn.execute(
        select(devices.c.id, care_households.c.district_code)
        .select_from(care_households)
        .join(entity_devices, entity_devices.c.entity_id == care_households.c.entity_id)
        .join(devices, devices.c.id == entity_devices.c.device_id)
        .join(device_profiles, device_profiles.c.id == devices.c.profile_id)
        .where(
            care_households.c.tenant_id == tenant_id,
            care_households.c.active.is_(True),
            device_profiles.c.name == profile_name("hub"),
        )
    ).all()
    if not hubs:
        return []
    ids = sorted({hub for hub, _ in hubs})
    current = dict(
        conn.execute(
            select(latest_values.c.device_id, latest_values.c.value_num).where(
                latest_values.c.device_id.in_(ids), latest_values.c.key == HEAT_WAVE
            )
        ).all()
    )
    changes = flag_changes({hub: district in hot for hub, district in hubs}, current)
    if not changes:
        return []
    newest = dict(
        conn.execute(
            select(latest_values.c.device_id, func.max(latest_values.c.ts))
            .where(latest_values.c.device_id.in_(sorted(changes)))
            .group_by(latest_values.c.device_id)
        ).all()
    )
    return [HubFlag(hub, on, max(now, int(newest.get(hub) or 0) + 1)) for hub, on in changes.items()]

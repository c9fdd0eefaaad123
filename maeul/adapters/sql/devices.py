"""Device profiles and devices, with their rotating secret credentials."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select, update

from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.sql.accounts import get_tenant
from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.adapters.sql.scoped import all_in_tenant, conflict_if_duplicate, one_in_tenant
from maeul.adapters.sql.tables import device_profiles, devices
from maeul.core.device_import import DeviceRow
from maeul.core.profiles import KeySpec, ProfileSpec
from maeul.platform.clock import now_ms
from maeul.platform.secrets import IssuedToken, issue_token, token_digest

GENERIC_PROFILE = "generic"
PUBLIC_DEVICE_COLUMNS = [c for c in devices.c if c.name not in ("token_hash", "mqtt_password_hash")]
_BULK = 500  # keys per query of the bulk lookups


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """What ingestion needs to know about a device, cached between messages."""

    device_id: int
    tenant_id: str
    profile: ProfileSpec
    retention_days: int
    timezone: str


def profile_spec(keys: list[dict[str, Any]], accept_any_numeric: bool) -> ProfileSpec:
    return ProfileSpec.from_list([KeySpec(**k) for k in keys], accept_any_numeric)


# --- profiles -------------------------------------------------------------------------------------------


def create_profile(
    conn: Connection,
    tenant_id: str,
    name: str,
    keys: list[dict[str, Any]],
    *,
    description: str | None = None,
    accept_any_numeric: bool = False,
    retention_days: int | None = None,
) -> dict[str, Any]:
    profile_spec(keys, accept_any_numeric)  # validates the key specs
    values = {
        "tenant_id": tenant_id,
        "name": name,
        "keys": keys,
        "description": description,
        "accept_any_numeric": accept_any_numeric,
        "retention_days": retention_days,
        "created_at": now_ms(),
    }
    with conflict_if_duplicate(conn, f"profile {name!r} already exists"):
        result = conn.execute(insert(device_profiles).values(**values))
    return get_profile(conn, tenant_id, inserted_id(result))


def ensure_generic_profile(conn: Connection, tenant_id: str) -> dict[str, Any]:
    """The profile used when none is named: any numeric key is accepted."""
    row = (
        conn.execute(
            select(device_profiles).where(
                device_profiles.c.tenant_id == tenant_id, device_profiles.c.name == GENERIC_PROFILE
            )
        )
        .mappings()
        .first()
    )
    if row:
        return dict(row)
    return create_profile(
        conn,
        tenant_id,
        GENERIC_PROFILE,
        [],
        accept_any_numeric=True,
        description="Accepts any numeric key / 모든 숫자 키 허용",
    )


def get_profile(conn: Connection, tenant_id: str, profile_id: int) -> dict[str, Any]:
    return one_in_tenant(
        conn, device_profiles, tenant_id, device_profiles.c.id == profile_id, missing=f"profile {profile_id} not found"
    )


def profile_by_name(conn: Connection, tenant_id: str, name: str) -> dict[str, Any]:
    return one_in_tenant(
        conn, device_profiles, tenant_id, device_profiles.c.name == name, missing=f"profile {name!r} not found"
    )


def list_profiles(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    return all_in_tenant(conn, device_profiles, tenant_id)


def update_profile(conn: Connection, tenant_id: str, profile_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    current = get_profile(conn, tenant_id, profile_id)
    profile_spec(changes.get("keys", current["keys"]), changes.get("accept_any_numeric", current["accept_any_numeric"]))
    if not changes:
        return current
    with conflict_if_duplicate(conn, f"profile {changes.get('name')!r} already exists"):
        conn.execute(update(device_profiles).where(device_profiles.c.id == profile_id).values(**changes))
    return get_profile(conn, tenant_id, profile_id)


def delete_profile(conn: Connection, tenant_id: str, profile_id: int) -> None:
    get_profile(conn, tenant_id, profile_id)
    in_use = conn.execute(select(func.count()).where(devices.c.profile_id == profile_id)).scalar_one()
    if in_use:
        raise Conflict(f"profile {profile_id} is used by {in_use} device(s)")
    conn.execute(delete(device_profiles).where(device_profiles.c.id == profile_id))


# --- devices --------------------------------------------------------------------------------------------


def _credentials(issued: IssuedToken) -> dict[str, Any]:
    return {
        "token_hash": issued.digest,
        "token_prefix": issued.prefix,
        "mqtt_password_hash": mosquitto_password_hash(issued.token),
    }


def _resolve_profile_id(conn: Connection, tenant_id: str, profile: str | int | None) -> int:
    if profile is None:
        return int(ensure_generic_profile(conn, tenant_id)["id"])
    if isinstance(profile, int):
        return int(get_profile(conn, tenant_id, profile)["id"])
    return int(profile_by_name(conn, tenant_id, profile)["id"])


def _check_gateway(conn: Connection, tenant_id: str, gateway_id: int | None, device_id: int | None = None) -> None:
    if gateway_id is None:
        return
    if gateway_id == device_id:
        raise Invalid("a device cannot be its own gateway")
    if not conn.execute(
        select(devices.c.id).where(devices.c.id == gateway_id, devices.c.tenant_id == tenant_id)
    ).first():
        raise Invalid(f"gateway device {gateway_id} does not exist")


def create_device(
    conn: Connection,
    tenant_id: str,
    name: str,
    *,
    profile: str | int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    district_code: str | None = None,
    attributes: dict[str, Any] | None = None,
    gateway_id: int | None = None,
) -> tuple[dict[str, Any], str]:
    """Register a device; returns its row and its secret token (shown once)."""
    get_tenant(conn, tenant_id)
    if (lon is None) != (lat is None):
        raise Invalid("give both lon and lat, or neither")
    profile_id = _resolve_profile_id(conn, tenant_id, profile)
    _check_gateway(conn, tenant_id, gateway_id)
    issued = issue_token("dev")
    now = now_ms()
    values = {
        "tenant_id": tenant_id,
        "name": name,
        "profile_id": profile_id,
        "lon": lon,
        "lat": lat,
        "district_code": district_code,
        "attributes": attributes or {},
        "gateway_id": gateway_id,
        "created_at": now,
        "updated_at": now,
        **_credentials(issued),
    }
    with conflict_if_duplicate(conn, f"device {name!r} already exists"):
        result = conn.execute(insert(devices).values(**values))
    device_id = inserted_id(result)
    return get_device(conn, tenant_id, device_id), issued.token


def get_device(conn: Connection, tenant_id: str, device_id: int) -> dict[str, Any]:
    row = (
        conn.execute(select(*PUBLIC_DEVICE_COLUMNS).where(devices.c.id == device_id, devices.c.tenant_id == tenant_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"device {device_id} not found")
    return dict(row)


def list_devices(
    conn: Connection,
    tenant_id: str,
    *,
    district_code: str | None = None,
    profile_id: int | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(*PUBLIC_DEVICE_COLUMNS).where(devices.c.tenant_id == tenant_id)
    if district_code:
        query = query.where(devices.c.district_code == district_code)
    if profile_id is not None:
        query = query.where(devices.c.profile_id == profile_id)
    query = query.order_by(devices.c.id).limit(limit).offset(offset)
    return [dict(r) for r in conn.execute(query).mappings()]


def update_device(conn: Connection, tenant_id: str, device_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    current = get_device(conn, tenant_id, device_id)
    values = dict(changes)
    if "profile" in values:
        values["profile_id"] = _resolve_profile_id(conn, tenant_id, values.pop("profile"))
    if "gateway_id" in values:
        _check_gateway(conn, tenant_id, values["gateway_id"], device_id)
    lon = values.get("lon", current["lon"])
    lat = values.get("lat", current["lat"])
    if (lon is None) != (lat is None):
        raise Invalid("give both lon and lat, or neither")
    values["updated_at"] = now_ms()
    with conflict_if_duplicate(conn, f"device {values.get('name')!r} already exists"):
        conn.execute(update(devices).where(devices.c.id == device_id).values(**values))
    return get_device(conn, tenant_id, device_id)


def delete_device(conn: Connection, tenant_id: str, device_id: int) -> None:
    from maeul.adapters.sql.alarm_tables import rule_overrides

    get_device(conn, tenant_id, device_id)
    conn.execute(
        delete(rule_overrides).where(rule_overrides.c.target_kind == "device", rule_overrides.c.target_id == device_id)
    )
    conn.execute(delete(devices).where(devices.c.id == device_id, devices.c.tenant_id == tenant_id))


def rotate_token(conn: Connection, tenant_id: str, device_id: int) -> str:
    """Replace the device's secret; the old token stops working at once."""
    get_device(conn, tenant_id, device_id)
    issued = issue_token("dev")
    conn.execute(update(devices).where(devices.c.id == device_id).values(updated_at=now_ms(), **_credentials(issued)))
    return issued.token


def device_names(conn: Connection, tenant_id: str) -> dict[str, int]:
    rows = conn.execute(select(devices.c.name, devices.c.id).where(devices.c.tenant_id == tenant_id))
    return {r.name: r.id for r in rows}


def import_devices(conn: Connection, tenant_id: str, rows: list[DeviceRow]) -> list[tuple[dict[str, Any], str]]:
    """Create every parsed row in the caller's transaction (all or nothing); gateways resolve by name."""
    created: list[tuple[dict[str, Any], str]] = []
    gateway_rows = []
    for row in rows:
        device, token = create_device(
            conn,
            tenant_id,
            row.name,
            profile=row.profile,
            lon=row.lon,
            lat=row.lat,
            district_code=row.district_code,
            attributes=dict(row.attributes),
        )
        created.append((device, token))
        if row.gateway:
            gateway_rows.append((device["id"], row.gateway))
    if gateway_rows:
        names = device_names(conn, tenant_id)
        for device_id, gateway in gateway_rows:
            conn.execute(update(devices).where(devices.c.id == device_id).values(gateway_id=names[gateway]))
    return created


def _contexts_query() -> Select[Any]:
    from maeul.adapters.sql.tables import tenants

    return select(
        devices.c.id,
        devices.c.tenant_id,
        devices.c.token_hash,
        device_profiles.c["keys"],
        device_profiles.c.accept_any_numeric,
        device_profiles.c.retention_days.label("profile_retention"),
        tenants.c.retention_days.label("tenant_retention"),
        tenants.c.timezone,
    ).select_from(
        devices.join(device_profiles, device_profiles.c.id == devices.c.profile_id).join(
            tenants, tenants.c.id == devices.c.tenant_id
        )
    )


def _context(row: Any) -> DeviceContext:
    return DeviceContext(
        device_id=row.id,
        tenant_id=row.tenant_id,
        profile=profile_spec(row.keys, row.accept_any_numeric),
        retention_days=row.profile_retention or row.tenant_retention,
        timezone=row.timezone,
    )


def device_contexts_by_id(conn: Connection, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], DeviceContext]:
    """What ingestion needs of many devices, by (tenant, device id) (MQTT: the broker authenticated them), in a
    few queries; unknown pairs are left out."""
    wanted = set(keys)
    out: dict[tuple[str, int], DeviceContext] = {}
    ids = sorted({device_id for _, device_id in wanted})
    for start in range(0, len(ids), _BULK):
        for row in conn.execute(_contexts_query().where(devices.c.id.in_(ids[start : start + _BULK]))):
            key = (row.tenant_id, row.id)
            if key in wanted:
                out[key] = _context(row)
    return out


def device_contexts_by_token(conn: Connection, tokens: Sequence[str]) -> dict[str, DeviceContext]:
    """What ingestion needs of many devices, by their tokens (HTTP), in a few queries; unknown tokens are left out."""
    by_digest = {token_digest(token): token for token in tokens}
    digests = sorted(by_digest)
    out: dict[str, DeviceContext] = {}
    for start in range(0, len(digests), _BULK):
        chunk = digests[start : start + _BULK]
        for row in conn.execute(_contexts_query().where(devices.c.token_hash.in_(chunk))):
            out[by_digest[row.token_hash]] = _context(row)
    return out

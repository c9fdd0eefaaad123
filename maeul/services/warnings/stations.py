"""Stations: devices of the service's profiles with a stage configuration and a warning area; their state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.adapters.sql.tables import devices, telemetry
from maeul.services.warnings.core import areas
from maeul.services.warnings.core.kinds import KINDS, StationKind
from maeul.services.warnings.core.stages import StageConfig, StationState
from maeul.services.warnings.tables import station_states, stations


def kind_of(name: str) -> StationKind:
    try:
        return KINDS[name]
    except KeyError:
        raise Invalid(f"kind {name!r}: one of {', '.join(KINDS)} expected") from None


def ensure_profile(conn: Connection, tenant_id: str, kind: StationKind) -> dict[str, Any]:
    """The tenant's device profile for the kind, created on first use."""
    try:
        return device_repo.profile_by_name(conn, tenant_id, kind.profile)
    except NotFound:
        description = f"{kind.event_ko} / {kind.event_en} monitoring station (warnings service)"
        return device_repo.create_profile(conn, tenant_id, kind.profile, list(kind.keys), description=description)


def _config(kind: StationKind, overrides: dict[str, Any] | None) -> StageConfig:
    data = {**kind.config.to_json(), **(overrides or {})}
    try:
        return StageConfig.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(f"stage configuration: {exc}") from None


def check_districts(conn: Connection, tenant_id: str, codes: list[str]) -> None:
    known = {d.code for d in district_repo.list_districts(conn, tenant_id)}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(f"unknown district code(s) {', '.join(unknown)}")


def _check_area(conn: Connection, tenant_id: str, codes: list[str], polygon: dict[str, Any] | None) -> None:
    check_districts(conn, tenant_id, codes)
    if polygon is not None:
        try:
            areas.polygon_from_geojson(polygon)
        except areas.AreaError as exc:
            raise Invalid(str(exc)) from None
    if not codes and polygon is None:
        raise Invalid("a station needs a warning area: district_codes or a polygon (or a district of its own)")


def create_station(
    conn: Connection,
    tenant_id: str,
    *,
    name: str,
    kind: str,
    lon: float | None = None,
    lat: float | None = None,
    district_code: str | None = None,
    name_en: str | None = None,
    district_codes: list[str] | None = None,
    polygon: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    now: int,
) -> tuple[dict[str, Any], str]:
    """A new station and its device; returns the station and the device's token (shown once)."""
    station_kind = kind_of(kind)
    stage_config = _config(station_kind, config)
    codes = list(district_codes or ([district_code] if district_code else []))
    _check_area(conn, tenant_id, codes, polygon)
    profile = ensure_profile(conn, tenant_id, station_kind)
    device, token = device_repo.create_device(
        conn,
        tenant_id,
        name,
        profile=profile["id"],
        lon=lon,
        lat=lat,
        district_code=district_code,
        attributes={"warnings_station": kind},
    )
    try:
        with conn.begin_nested():
            result = conn.execute(
                stations.insert().values(
                    tenant_id=tenant_id,
                    device_id=device["id"],
                    name=name,
                    name_en=name_en,
                    kind=kind,
                    stage_key=station_kind.stage_key,
                    unit=station_kind.unit,
                    config=stage_config.to_json(),
                    district_codes=codes,
                    polygon=polygon,
                    lon=lon,
                    lat=lat,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        raise Conflict(f"station {name!r} already exists") from None
    station_id = inserted_id(result)
    conn.execute(
        station_states.insert().values(
            station_id=station_id, tenant_id=tenant_id, stage=0, state=StationState().to_json(), updated_at=now
        )
    )
    return get_station(conn, tenant_id, station_id), token


def _public(row: Any) -> dict[str, Any]:
    out = dict(row)
    out["config"] = dict(out["config"])
    return out


_COLUMNS = [
    *stations.c,
    station_states.c.stage,
    station_states.c.last_ts,
    station_states.c.last_value,
    station_states.c.assessment,
]


def get_station(conn: Connection, tenant_id: str, station_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(*_COLUMNS)
            .select_from(stations.join(station_states, station_states.c.station_id == stations.c.id))
            .where(stations.c.id == station_id, stations.c.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"station {station_id} not found")
    return _public(row)


def list_stations(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(*_COLUMNS)
        .select_from(stations.join(station_states, station_states.c.station_id == stations.c.id))
        .where(stations.c.tenant_id == tenant_id)
        .order_by(stations.c.id)
    ).mappings()
    return [_public(r) for r in rows]


def update_station(
    conn: Connection, tenant_id: str, station_id: int, changes: dict[str, Any], now: int
) -> dict[str, Any]:
    current = get_station(conn, tenant_id, station_id)
    values: dict[str, Any] = {}
    if "config" in changes:
        values["config"] = _config(kind_of(current["kind"]), {**current["config"], **changes["config"]}).to_json()
    codes = changes.get("district_codes", current["district_codes"])
    polygon = changes.get("polygon", current["polygon"])
    if "district_codes" in changes or "polygon" in changes:
        _check_area(conn, tenant_id, list(codes), polygon)
        values.update(district_codes=list(codes), polygon=polygon)
    for key in ("name", "name_en"):
        if key in changes:
            values[key] = changes[key]
    if values:
        try:
            with conn.begin_nested():
                conn.execute(update(stations).where(stations.c.id == station_id).values(updated_at=now, **values))
        except IntegrityError:
            raise Conflict(f"station {changes.get('name')!r} already exists") from None
    return get_station(conn, tenant_id, station_id)


def station_device_ids(conn: Connection) -> dict[int, int]:
    """device id → station id, every tenant (what the on-ingest hook watches)."""
    return {int(d): int(s) for d, s in conn.execute(select(stations.c.device_id, stations.c.id))}


def lock_station(conn: Connection, station_id: int) -> tuple[dict[str, Any], StationState] | None:
    """The station and its state, the state row locked until the transaction ends (PostgreSQL)."""
    query = select(station_states).where(station_states.c.station_id == station_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    state_row = conn.execute(query).mappings().first()
    station = conn.execute(select(stations).where(stations.c.id == station_id)).mappings().first()
    if state_row is None or station is None:
        return None
    return dict(station), StationState.from_json(state_row["state"])


def save_state(
    conn: Connection, station_id: int, state: StationState, assessment: dict[str, Any] | None, now: int
) -> None:
    values: dict[str, Any] = {"stage": state.stage, "state": state.to_json(), "updated_at": now}
    if assessment is not None:
        values.update(assessment=assessment, last_ts=assessment["ts"], last_value=assessment["value"])
    conn.execute(update(station_states).where(station_states.c.station_id == station_id).values(**values))


def recent_readings(conn: Connection, device_id: int, key: str, since_ms: int, limit: int = 120) -> list[list[float]]:
    rows = conn.execute(
        select(telemetry.c.ts, telemetry.c.value_num)
        .where(telemetry.c.device_id == device_id, telemetry.c.key == key, telemetry.c.ts >= since_ms)
        .order_by(telemetry.c.ts.desc())
        .limit(limit)
    )
    return [[int(ts), float(v)] for ts, v in rows if v is not None][::-1]


def device_tenant(conn: Connection, device_id: int) -> str | None:
    return conn.execute(select(devices.c.tenant_id).where(devices.c.id == device_id)).scalar_one_or_none()

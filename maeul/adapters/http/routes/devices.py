"""Device profiles, devices, their credentials, and bulk import from CSV."""

from __future__ import annotations

import csv
from typing import Any

from fastapi import APIRouter, Query, Request, status

from maeul.adapters.http.deps import DeviceManager, IdPath, PlatformDep, ReadConn, Reader
from maeul.adapters.http.errors import ApiError
from maeul.adapters.http.schemas import (
    INT32_MAX,
    Device,
    DeviceCreate,
    DeviceCreated,
    DeviceCredentials,
    DeviceUpdate,
    ImportResult,
    Profile,
    ProfileCreate,
    ProfileUpdate,
)
from maeul.adapters.mqtt.provisioning import device_username
from maeul.adapters.mqtt.topics import telemetry_topic
from maeul.adapters.sql import devices as repo
from maeul.core.device_import import parse_device_csv

router = APIRouter(prefix="/api/v1", tags=["devices"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def credentials(device: dict[str, Any], token: str) -> DeviceCredentials:
    return DeviceCredentials(
        id=device["id"],
        token=token,
        topic=telemetry_topic(device["tenant_id"], device["id"]),
        mqtt_username=device_username(device["tenant_id"], device["id"]),
    )


# --- profiles -------------------------------------------------------------------------------------------


@router.get("/profiles", response_model=list[Profile])
def list_profiles(actor: Reader, conn: ReadConn) -> list[Profile]:
    return [Profile(**p) for p in repo.list_profiles(conn, actor.tenant_id)]


@router.post("/profiles", response_model=Profile, status_code=status.HTTP_201_CREATED)
def create_profile(body: ProfileCreate, actor: DeviceManager, platform: PlatformDep) -> Profile:
    keys = [k.model_dump(exclude_none=True) for k in body.keys]
    with platform.engine.begin() as conn:
        row = repo.create_profile(
            conn,
            actor.tenant_id,
            body.name,
            keys,
            description=body.description,
            accept_any_numeric=body.accept_any_numeric,
            retention_days=body.retention_days,
        )
    return Profile(**row)


@router.get("/profiles/{profile_id}", response_model=Profile)
def get_profile(profile_id: IdPath, actor: Reader, conn: ReadConn) -> Profile:
    return Profile(**repo.get_profile(conn, actor.tenant_id, profile_id))


@router.patch("/profiles/{profile_id}", response_model=Profile)
def update_profile(profile_id: IdPath, body: ProfileUpdate, actor: DeviceManager, platform: PlatformDep) -> Profile:
    changes = body.model_dump(exclude_unset=True)
    if "keys" in changes:
        changes["keys"] = [k.model_dump(exclude_none=True) for k in body.keys or []]
    with platform.engine.begin() as conn:
        row = repo.update_profile(conn, actor.tenant_id, profile_id, changes)
    platform.ingest.devices.invalidate()
    return Profile(**row)


@router.delete("/profiles/{profile_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_profile(profile_id: IdPath, actor: DeviceManager, platform: PlatformDep) -> None:
    with platform.engine.begin() as conn:
        repo.delete_profile(conn, actor.tenant_id, profile_id)


# --- devices --------------------------------------------------------------------------------------------


@router.get("/devices", response_model=list[Device])
def list_devices(
    actor: Reader,
    conn: ReadConn,
    district_code: str | None = None,
    profile_id: int | None = Query(default=None, ge=1, le=INT32_MAX),
    limit: int = Query(default=100, ge=1, le=10_000),
    offset: int = Query(default=0, ge=0, le=INT32_MAX),
) -> list[Device]:
    rows = repo.list_devices(
        conn, actor.tenant_id, district_code=district_code, profile_id=profile_id, limit=limit, offset=offset
    )
    return [Device(**d) for d in rows]


@router.post("/devices", response_model=DeviceCreated, status_code=status.HTTP_201_CREATED)
def create_device(body: DeviceCreate, actor: DeviceManager, platform: PlatformDep) -> DeviceCreated:
    """Register a device. The response carries its secret token once: keep it."""
    with platform.engine.begin() as conn:
        device, token = repo.create_device(
            conn,
            actor.tenant_id,
            body.name,
            profile=body.profile,
            lon=body.lon,
            lat=body.lat,
            district_code=body.district_code,
            attributes=body.attributes,
            gateway_id=body.gateway_id,
        )
    platform.provision_broker()
    creds = credentials(device, token)
    return DeviceCreated(**device, token=token, topic=creds.topic, mqtt_username=creds.mqtt_username)


@router.get("/devices/{device_id}", response_model=Device)
def get_device(device_id: IdPath, actor: Reader, conn: ReadConn) -> Device:
    return Device(**repo.get_device(conn, actor.tenant_id, device_id))


@router.patch("/devices/{device_id}", response_model=Device)
def update_device(device_id: IdPath, body: DeviceUpdate, actor: DeviceManager, platform: PlatformDep) -> Device:
    with platform.engine.begin() as conn:
        row = repo.update_device(conn, actor.tenant_id, device_id, body.model_dump(exclude_unset=True))
    platform.ingest.devices.invalidate(device_id)
    return Device(**row)


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_device(device_id: IdPath, actor: DeviceManager, platform: PlatformDep) -> None:
    """Remove the device and its credentials (its stored telemetry expires with retention)."""
    with platform.engine.begin() as conn:
        repo.delete_device(conn, actor.tenant_id, device_id)
    platform.ingest.devices.invalidate(device_id)
    platform.provision_broker()


@router.post("/devices/{device_id}/rotate-token", response_model=DeviceCredentials)
def rotate_token(device_id: IdPath, actor: DeviceManager, platform: PlatformDep) -> DeviceCredentials:
    """Issue a new secret; the old one stops working at once on HTTP and, after the broker reloads, on MQTT."""
    with platform.engine.begin() as conn:
        token = repo.rotate_token(conn, actor.tenant_id, device_id)
        device = repo.get_device(conn, actor.tenant_id, device_id)
    platform.ingest.devices.invalidate(device_id)
    platform.provision_broker()
    return credentials(device, token)


@router.post(
    "/devices/import",
    response_model=ImportResult,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
    responses={422: {"description": "Every bad row, by line number; nothing was imported."}},
)
async def import_devices(request: Request, actor: DeviceManager, platform: PlatformDep) -> ImportResult:
    """Import devices from CSV (header: name,profile,lon,lat,district_code,gateway,attr.*). All or nothing."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise ApiError(413, "too_large", f"the file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MiB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid", "the file is not UTF-8 text; save it as CSV UTF-8") from None
    return await _run_import(platform, actor.tenant_id, text)


async def _run_import(platform: Any, tenant_id: str, text: str) -> ImportResult:
    from starlette.concurrency import run_in_threadpool

    def work() -> ImportResult:
        with platform.engine.begin() as conn:
            profiles = {p["name"] for p in repo.list_profiles(conn, tenant_id)}
            existing = set(repo.device_names(conn, tenant_id))
            try:
                rows, errors = parse_device_csv(text, profiles=profiles, existing_names=existing)
            except csv.Error as exc:  # e.g. a stray carriage return, or a field longer than the csv module allows
                message = f"the file is not readable as CSV ({exc}); nothing was imported"
                raise ApiError(422, "invalid", message) from None
            if errors:
                raise ApiError(
                    422,
                    "invalid_rows",
                    f"{len(errors)} problem(s) found; nothing was imported",
                    [{"line": e.line, "message": e.message} for e in errors],
                )
            created = repo.import_devices(conn, tenant_id, rows)
        platform.provision_broker()
        return ImportResult(created=[credentials(d, t) for d, t in created])

    return await run_in_threadpool(work)

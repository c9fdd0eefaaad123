"""Homes: enrol, list with their live status, change, remove; devices per kind; away mode."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status

from maeul.adapters.http.deps import IdPath, PlatformDep, ReadConn, Reader
from maeul.adapters.http.schemas import Page
from maeul.adapters.mqtt.topics import telemetry_topic
from maeul.services.care.api.deps import CareAdmin, CareStaff, CipherDep, care_errors, check_district
from maeul.services.care.api.schemas import (
    AwayRequest,
    CreatedDevice,
    DevicesRequest,
    Household,
    HouseholdCreate,
    HouseholdPatch,
)
from maeul.services.care.core.status import Status
from maeul.services.care.store import households as repo
from maeul.services.care.store import routine as routine_store
from maeul.services.care.store import status as status_store

router = APIRouter(prefix="/api/v1/care", tags=["care"])


def _out(row: dict[str, Any]) -> Household:
    return Household.model_validate({k: row.get(k) for k in Household.model_fields})


@router.get("/households", response_model=Page[Household])
def list_households(
    actor: Reader,
    conn: ReadConn,
    district_code: str | None = Query(default=None, max_length=20),
    home_status: Status | None = Query(default=None, alias="status"),
    limit: int = Query(default=500, ge=1, le=5000),
    offset: int = Query(default=0, ge=0, le=2_000_000_000),
) -> Page[Household]:
    """Every home with its live status and reason; no personal data (see ``/personal``)."""
    rows = repo.list_households(
        conn,
        actor.tenant_id,
        district_codes=None if district_code is None else [district_code],
        status=None if home_status is None else home_status.value,
        limit=limit + 1,
        offset=offset,
    )
    return Page[Household](
        items=[_out(r) for r in rows[:limit]], next_offset=offset + limit if len(rows) > limit else None
    )


@router.post("/households", response_model=Household, status_code=status.HTTP_201_CREATED)
def create_household(body: HouseholdCreate, actor: CareAdmin, platform: PlatformDep, cipher: CipherDep) -> Household:
    """Enrol a home (its address is encrypted at rest; its devices are grouped as a ``household`` entity)."""
    with platform.engine.begin() as conn:
        row = repo.create_household(
            conn,
            cipher,
            actor.tenant_id,
            code=body.code,
            district_code=body.district_code,
            address=body.address,
            device_ids=body.device_ids,
            tiers_h=body.tiers_h,
        )
        return _out(row)


@router.get("/households/{household_id}", response_model=Household)
def get_household(household_id: IdPath, actor: Reader, conn: ReadConn) -> Household:
    return _out(repo.get_household(conn, actor.tenant_id, household_id))


@router.patch("/households/{household_id}", response_model=Household)
def update_household(
    household_id: IdPath, body: HouseholdPatch, actor: CareAdmin, platform: PlatformDep, cipher: CipherDep
) -> Household:
    with platform.engine.begin() as conn:
        repo.update_household(conn, cipher, actor.tenant_id, household_id, body.model_dump(exclude_unset=True))
        status_store.evaluate_home(conn, actor.tenant_id, household_id)
        return _out(repo.get_household(conn, actor.tenant_id, household_id))


@router.delete("/households/{household_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_household(household_id: IdPath, actor: CareAdmin, platform: PlatformDep) -> None:
    """Remove the home and its personal data; its devices stay (unlinked)."""
    with platform.engine.begin() as conn:
        repo.delete_household(conn, actor.tenant_id, household_id)


@router.post(
    "/households/{household_id}/devices", response_model=list[CreatedDevice], status_code=status.HTTP_201_CREATED
)
def add_devices(household_id: IdPath, body: DevicesRequest, actor: CareAdmin, platform: PlatformDep) -> list[Any]:
    """Create the home's devices, one per kind, on the care profiles (created when missing, with the immediate
    alarm rules for the emergency button, smoke and gas). Tokens are shown once."""
    with platform.engine.begin() as conn:
        created = repo.add_devices(conn, actor.tenant_id, household_id, list(body.kinds))
        routine_store.apply_to_rules(conn, actor.tenant_id, household_id)  # its pill box and vitals settings
    platform.provision_broker()
    return [
        CreatedDevice(
            id=row["id"],
            name=row["name"],
            kind=row["attributes"]["care_kind"],
            profile_id=row["profile_id"],
            token=token,
            topic=telemetry_topic(actor.tenant_id, row["id"]),
        )
        for row, token in created
    ]


@router.put("/households/{household_id}/away", response_model=Household)
def set_away(household_id: IdPath, body: AwayRequest, actor: CareStaff, platform: PlatformDep) -> Household:
    """Manual away mode (a hospital stay, a visit to family): inactivity does not count until ``until``."""
    with platform.engine.begin() as conn, care_errors():
        home = repo.get_household(conn, actor.tenant_id, household_id)
        check_district(conn, actor, home["district_code"])
        repo.update_household(conn, None, actor.tenant_id, household_id, {"away_until": body.until})
        status_store.evaluate_home(conn, actor.tenant_id, household_id)
        return _out(repo.get_household(conn, actor.tenant_id, household_id))


@router.post("/status/evaluate")
def evaluate(actor: CareAdmin, platform: PlatformDep) -> dict[str, int]:
    """Re-decide every home's status now (the service also does so every 30 seconds)."""
    with platform.engine.begin() as conn:
        return {"changed": status_store.evaluate_tenant(conn, actor.tenant_id)}

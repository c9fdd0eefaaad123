"""Residents and family contacts: written by supervisors, read (decrypted, audited) by the home's caseworkers
and supervisors only."""

from __future__ import annotations

from fastapi import APIRouter, status

from maeul.adapters.http.deps import IdPath, PlatformDep
from maeul.services.care.api.deps import CareAdmin, CareStaff, CipherDep, care_errors
from maeul.services.care.api.schemas import Created, FamilyIn, FamilyPatch, Personal, ResidentIn, ResidentPatch
from maeul.services.care.store import personal as repo
from maeul.services.care.store import staff

router = APIRouter(prefix="/api/v1/care", tags=["care"])


@router.get("/households/{household_id}/personal", response_model=Personal)
def personal(household_id: IdPath, actor: CareStaff, platform: PlatformDep, cipher: CipherDep) -> Personal:
    """Address, residents and family of the home, for its district's caseworkers and the supervisors. Every call
    is written to the audit log (``GET /api/v1/care/audit``)."""
    with platform.engine.begin() as conn, care_errors():
        return Personal(**repo.personal_view(conn, cipher, actor, household_id))


@router.post("/households/{household_id}/residents", response_model=Created, status_code=status.HTTP_201_CREATED)
def add_resident(
    household_id: IdPath, body: ResidentIn, actor: CareAdmin, platform: PlatformDep, cipher: CipherDep
) -> Created:
    with platform.engine.begin() as conn:
        row = repo.add_resident(conn, cipher, actor.tenant_id, household_id, body.model_dump())
        staff.audit(conn, actor, "add_resident", household_id, f"resident:{row['id']}")
        return Created(**row)


@router.patch("/residents/{resident_id}", response_model=Created)
def update_resident(
    resident_id: IdPath, body: ResidentPatch, actor: CareAdmin, platform: PlatformDep, cipher: CipherDep
) -> Created:
    with platform.engine.begin() as conn:
        row = repo.update_resident(conn, cipher, actor.tenant_id, resident_id, body.model_dump(exclude_unset=True))
        staff.audit(conn, actor, "change_resident", row["household_id"], f"resident:{resident_id}")
        return Created(**row)


@router.delete("/residents/{resident_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_resident(resident_id: IdPath, actor: CareAdmin, platform: PlatformDep) -> None:
    with platform.engine.begin() as conn:
        repo.delete_resident(conn, actor.tenant_id, resident_id)
        staff.audit(conn, actor, "delete_resident", None, f"resident:{resident_id}")


@router.post("/households/{household_id}/family", response_model=Created, status_code=status.HTTP_201_CREATED)
def add_family(
    household_id: IdPath, body: FamilyIn, actor: CareAdmin, platform: PlatformDep, cipher: CipherDep
) -> Created:
    with platform.engine.begin() as conn:
        row = repo.add_family(conn, cipher, actor.tenant_id, household_id, body.model_dump())
        staff.audit(conn, actor, "add_family", household_id, f"family:{row['id']}")
        return Created(id=row["id"], household_id=household_id)


@router.patch("/family/{family_id}", response_model=Created)
def update_family(
    family_id: IdPath, body: FamilyPatch, actor: CareAdmin, platform: PlatformDep, cipher: CipherDep
) -> Created:
    with platform.engine.begin() as conn:
        row = repo.update_family(conn, cipher, actor.tenant_id, family_id, body.model_dump(exclude_unset=True))
        staff.audit(conn, actor, "change_family", row["household_id"], f"family:{family_id}")
        return Created(id=family_id, household_id=row["household_id"])


@router.delete("/family/{family_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_family(family_id: IdPath, actor: CareAdmin, platform: PlatformDep) -> None:
    with platform.engine.begin() as conn:
        repo.delete_family(conn, actor.tenant_id, family_id)
        staff.audit(conn, actor, "delete_family", None, f"family:{family_id}")

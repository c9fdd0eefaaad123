"""Who may do what in the care API, and the errors of the care service in the platform's error shape."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends
from sqlalchemy import Connection

from maeul.adapters.http.deps import ActorDep, PlatformDep
from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Role
from maeul.services.care.core.access import CARE_STAFF, may_handle
from maeul.services.care.core.workflow import WorkflowError
from maeul.services.care.crypto import FieldCipher, Tampered, cipher_for
from maeul.services.care.store import staff
from maeul.services.care.store.personal import PersonalDataDenied


def care_admin(actor: ActorDep) -> Actor:
    """Supervisors (admins) enrol homes and people, assign caseworkers, read the audit log."""
    if actor.role is not Role.ADMIN:
        raise ApiError(403, "forbidden", f"the {actor.role.value} role may not manage the care programme")
    return actor


def care_staff(actor: ActorDep) -> Actor:
    """Caseworkers and supervisors: the people who respond (caseworkers only in their districts)."""
    if actor.role not in CARE_STAFF:
        raise ApiError(403, "forbidden", f"the {actor.role.value} role does not handle care responses")
    return actor


CareAdmin = Annotated[Actor, Depends(care_admin)]
CareStaff = Annotated[Actor, Depends(care_staff)]


def get_cipher(platform: PlatformDep) -> FieldCipher:
    return cipher_for(platform.settings.data_dir)


CipherDep = Annotated[FieldCipher, Depends(get_cipher)]


def check_district(conn: Connection, actor: Actor, district_code: str) -> None:
    if not may_handle(actor.role, district_code, staff.assigned_districts(conn, actor.tenant_id, actor.user_id)):
        raise ApiError(403, "forbidden", "this home is not in a district assigned to you")


def districts_filter(conn: Connection, actor: Actor) -> set[str] | None:
    """None for supervisors (every district); a caseworker's assigned districts otherwise."""
    if actor.role is Role.ADMIN:
        return None
    return staff.assigned_districts(conn, actor.tenant_id, actor.user_id)


@contextmanager
def care_errors() -> Iterator[None]:
    """Turn the service's own errors into the platform's error shape (Korean and English)."""
    try:
        yield
    except WorkflowError as exc:
        raise ApiError(422, "invalid", str(exc), [{"message_ko": exc.ko}]) from None
    except PersonalDataDenied as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except Tampered as exc:
        raise ApiError(
            500,
            "http_error",
            f"stored personal data failed its integrity check ({exc}); nothing was shown",
            [{"message_ko": "저장된 개인정보의 무결성 검증에 실패하여 표시하지 않았습니다"}],
        ) from None

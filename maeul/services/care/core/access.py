"""Who may see a home's personal data: its district's assigned caseworkers and the supervisors (admins)."""

from __future__ import annotations

from collections.abc import Collection

from maeul.core.roles import Role

CARE_STAFF = frozenset({Role.ADMIN, Role.CASEWORKER})


def may_see_personal(role: Role, district_code: str, assigned_districts: Collection[str]) -> bool:
    if role is Role.ADMIN:
        return True
    return role is Role.CASEWORKER and district_code in assigned_districts


def may_handle(role: Role, district_code: str, assigned_districts: Collection[str]) -> bool:
    """Response steps: the same people as for personal data (they phone and visit the resident)."""
    return may_see_personal(role, district_code, assigned_districts)

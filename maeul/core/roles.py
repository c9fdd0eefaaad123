"""Roles and what each may do within its own tenant."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    CASEWORKER = "caseworker"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"  # devices, profiles, telemetry, dead letters
    MANAGE_DEVICES = "manage_devices"  # devices, profiles, credentials, imports
    MANAGE_USERS = "manage_users"  # users, departments, API keys of others
    MANAGE_TENANT = "manage_tenant"  # tenant settings such as retention


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.OPERATOR: frozenset({Permission.READ, Permission.MANAGE_DEVICES}),
    Role.CASEWORKER: frozenset({Permission.READ}),
    Role.VIEWER: frozenset({Permission.READ}),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]

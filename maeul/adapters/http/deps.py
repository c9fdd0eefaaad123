"""FastAPI dependencies: the platform, the calling user (bearer token) and permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from maeul.adapters.http.errors import ApiError
from maeul.adapters.http.schemas import INT32_MAX
from maeul.adapters.sql.accounts import Actor, actor_for_token
from maeul.core.roles import Permission, allows
from maeul.platform.app import Platform

# An object id in a path: ids are 32-bit integer columns, so a larger number is a clear 422, not a database error.
IdPath = Annotated[int, Path(ge=1, le=INT32_MAX)]

bearer = HTTPBearer(auto_error=False, description="A session token (POST /api/v1/auth/token) or an API key.")
# The web console's session cookie (HttpOnly, SameSite=Lax). It authenticates reads only (GET/HEAD), so the
# console's charts and map can call the API; every change needs the bearer header or a console form with CSRF.
SESSION_COOKIE = "maeul_session"


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def get_actor(
    request: Request,
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    token = credentials.credentials if credentials is not None else None
    if token is None and request.method in ("GET", "HEAD") and "authorization" not in request.headers:
        token = request.cookies.get(SESSION_COOKIE)
    if token is None:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    actor = actor_for_token(platform.engine, token)
    if actor is None:
        raise ApiError(401, "unauthorized", "the token is unknown, expired or revoked")
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


def require(permission: Permission) -> Callable[[Actor], Actor]:
    def check(actor: ActorDep) -> Actor:
        if not allows(actor.role, permission):
            raise ApiError(403, "forbidden", f"the {actor.role.value} role may not {permission.value}")
        return actor

    return check


Reader = Annotated[Actor, Depends(require(Permission.READ))]
DeviceManager = Annotated[Actor, Depends(require(Permission.MANAGE_DEVICES))]
UserManager = Annotated[Actor, Depends(require(Permission.MANAGE_USERS))]
TenantManager = Annotated[Actor, Depends(require(Permission.MANAGE_TENANT))]


def read_conn(platform: PlatformDep) -> Iterator[Connection]:
    with platform.engine.connect() as conn:
        yield conn


ReadConn = Annotated[Connection, Depends(read_conn)]

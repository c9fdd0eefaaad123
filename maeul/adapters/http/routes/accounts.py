"""Sign-in, the caller, the tenant, departments, users and API keys."""

from __future__ import annotations

from fastapi import APIRouter, status

from maeul.adapters.http.deps import ActorDep, IdPath, PlatformDep, ReadConn, Reader, TenantManager, UserManager
from maeul.adapters.http.errors import ApiError
from maeul.adapters.http.schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyIssued,
    Department,
    DepartmentCreate,
    LoginRequest,
    Me,
    Tenant,
    TenantUpdate,
    TokenResponse,
    User,
    UserCreate,
    UserUpdate,
)
from maeul.adapters.sql import accounts
from maeul.platform.secrets import verify_password

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/token", response_model=TokenResponse, tags=["auth"])
def login(body: LoginRequest, platform: PlatformDep) -> TokenResponse:
    """Exchange a username and password for a session bearer token."""
    with platform.engine.begin() as conn:
        user = accounts.find_user_for_login(conn, body.tenant, body.username)
        if user is None or not verify_password(user["password_hash"], body.password):
            raise ApiError(401, "unauthorized", "wrong tenant, username or password")
        ttl = platform.settings.session_hours * 3600 * 1000
        issued, _ = accounts.issue_user_token(conn, body.tenant, user["id"], kind="session", ttl_ms=ttl)
    return TokenResponse(access_token=issued.token, expires_at=None)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def logout(actor: ActorDep, platform: PlatformDep) -> None:
    """Revoke every session token of the caller (API keys stay valid)."""
    from sqlalchemy import update

    from maeul.adapters.sql.tables import api_tokens
    from maeul.platform.clock import now_ms

    with platform.engine.begin() as conn:
        conn.execute(
            update(api_tokens)
            .where(
                api_tokens.c.user_id == actor.user_id, api_tokens.c.kind == "session", api_tokens.c.revoked_at.is_(None)
            )
            .values(revoked_at=now_ms())
        )


@router.get("/me", response_model=Me)
def me(actor: ActorDep) -> Me:
    return Me(id=actor.user_id, tenant_id=actor.tenant_id, username=actor.username, role=actor.role)


@router.get("/tenant", response_model=Tenant)
def get_tenant(actor: ActorDep, conn: ReadConn) -> Tenant:
    return Tenant(**accounts.get_tenant(conn, actor.tenant_id))


@router.patch("/tenant", response_model=Tenant)
def update_tenant(body: TenantUpdate, actor: TenantManager, platform: PlatformDep) -> Tenant:
    with platform.engine.begin() as conn:
        row = accounts.update_tenant(conn, actor.tenant_id, body.model_dump(exclude_unset=True))
    platform.ingest.devices.invalidate()
    return Tenant(**row)


@router.get("/departments", response_model=list[Department])
def list_departments(actor: Reader, conn: ReadConn) -> list[Department]:
    return [Department(**d) for d in accounts.list_departments(conn, actor.tenant_id)]


@router.post("/departments", response_model=Department, status_code=status.HTTP_201_CREATED)
def create_department(body: DepartmentCreate, actor: UserManager, platform: PlatformDep) -> Department:
    with platform.engine.begin() as conn:
        return Department(**accounts.create_department(conn, actor.tenant_id, body.name))


@router.get("/users", response_model=list[User])
def list_users(actor: UserManager, conn: ReadConn) -> list[User]:
    return [User(**u) for u in accounts.list_users(conn, actor.tenant_id)]


@router.post("/users", response_model=User, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, actor: UserManager, platform: PlatformDep) -> User:
    with platform.engine.begin() as conn:
        row = accounts.create_user(
            conn,
            actor.tenant_id,
            body.username,
            body.role,
            password=body.password,
            display_name=body.display_name,
            email=body.email,
            department_id=body.department_id,
        )
    return User(**row)


@router.get("/users/{user_id}", response_model=User)
def get_user(user_id: IdPath, actor: UserManager, conn: ReadConn) -> User:
    return User(**accounts.get_user(conn, actor.tenant_id, user_id))


@router.patch("/users/{user_id}", response_model=User)
def update_user(user_id: IdPath, body: UserUpdate, actor: UserManager, platform: PlatformDep) -> User:
    changes = body.model_dump(exclude_unset=True)
    if user_id == actor.user_id and (changes.get("active") is False or changes.get("role", "admin") != "admin"):
        raise ApiError(422, "invalid", "you cannot deactivate yourself or drop your own admin role")
    with platform.engine.begin() as conn:
        return User(**accounts.update_user(conn, actor.tenant_id, user_id, changes))


@router.get("/api-keys", response_model=list[ApiKey])
def list_api_keys(actor: UserManager, conn: ReadConn) -> list[ApiKey]:
    return [ApiKey(**k) for k in accounts.list_api_keys(conn, actor.tenant_id)]


@router.post("/api-keys", response_model=ApiKeyIssued, status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyCreate, actor: UserManager, platform: PlatformDep) -> ApiKeyIssued:
    """An API key for an integration, carrying the rights of one user of this tenant."""
    user_id = body.user_id or actor.user_id
    with platform.engine.begin() as conn:
        accounts.get_user(conn, actor.tenant_id, user_id)
        issued, key_id = accounts.issue_user_token(conn, actor.tenant_id, user_id, kind="api_key", name=body.name)
        row = next(k for k in accounts.list_api_keys(conn, actor.tenant_id) if k["id"] == key_id)
    return ApiKeyIssued(**row, token=issued.token)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: IdPath, actor: UserManager, platform: PlatformDep) -> None:
    with platform.engine.begin() as conn:
        accounts.revoke_token(conn, actor.tenant_id, key_id)

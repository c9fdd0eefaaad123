"""``maeul users`` and ``maeul tenants``: people, roles and municipalities."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from maeul.adapters.sql import accounts
from maeul.cli.common import console, fail, open_platform, print_json, resolve_tenant
from maeul.core.roles import Role

users_app = typer.Typer(help="Users and API tokens / 사용자와 API 토큰", no_args_is_help=True)
tenants_app = typer.Typer(help="Municipalities on this install / 지자체", no_args_is_help=True)


@users_app.command("add")
def add_user(
    username: str,
    role: Annotated[Role, typer.Option(help="admin, operator, caseworker or viewer")] = Role.VIEWER,
    tenant: Annotated[str | None, typer.Option("--tenant", "-t")] = None,
    password: Annotated[str | None, typer.Option(help="Password for signing in (8+ characters)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a user and print its id and a new API token for ``Authorization: Bearer``."""
    if password is not None and len(password) < 8:
        fail("the password must have at least 8 characters")
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.begin() as conn:
            user = accounts.create_user(conn, tenant_id, username, role, password=password)
            issued, _ = accounts.issue_user_token(conn, tenant_id, user["id"], kind="api_key", name="cli")
    if as_json:
        print_json(
            {"id": user["id"], "tenant": tenant_id, "username": username, "role": role.value, "token": issued.token}
        )
        return
    console.print(f"user [bold]{username}[/] ({role.value}) created / 사용자 생성: id {user['id']}")
    console.print(f"API token (shown once / 한 번만 표시): [bold]{issued.token}[/]")


@users_app.command("list")
def list_users(tenant: Annotated[str | None, typer.Option("--tenant", "-t")] = None) -> None:
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.connect() as conn:
            rows = accounts.list_users(conn, tenant_id)
    table = Table("id", "username / 사용자", "role / 역할", "active / 활성")
    for u in rows:
        table.add_row(str(u["id"]), u["username"], u["role"], "yes" if u["active"] else "no")
    console.print(table)


@tenants_app.command("add")
def add_tenant(
    tenant_id: str,
    name: str,
    name_en: Annotated[str | None, typer.Option()] = None,
    timezone: str = "Asia/Seoul",
    retention_days: int = 365,
) -> None:
    """Add a municipality (tenant), e.g. ``maeul tenants add namyangju 남양주시 --name-en Namyangju-si``."""
    with open_platform() as platform, platform.engine.begin() as conn:
        accounts.create_tenant(conn, tenant_id, name, name_en=name_en, timezone=timezone, retention_days=retention_days)
    console.print(f"tenant [bold]{tenant_id}[/] created / 지자체 생성됨")


@tenants_app.command("list")
def list_tenants() -> None:
    with open_platform() as platform, platform.engine.connect() as conn:
        rows = accounts.list_tenants(conn)
    table = Table("id", "name / 이름", "name (en)", "retention days / 보존 기간")
    for t in rows:
        table.add_row(t["id"], t["name"], t["name_en"] or "", str(t["retention_days"]))
    console.print(table)

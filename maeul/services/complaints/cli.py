"""``maeul complaints ...``: the Open311 jurisdiction, client keys and default categories of a tenant."""

from __future__ import annotations

from typing import Annotated

import typer

from maeul.cli.common import console, open_platform, print_json, resolve_tenant
from maeul.services.complaints import config_repo
from maeul.services.complaints.setup import seed_categories

TenantOption = Annotated[str | None, typer.Option("--tenant", help="Tenant id (default: the only one)")]


def cli() -> typer.Typer:
    app = typer.Typer(help="Civic complaints and Open311 / 민원과 Open311", no_args_is_help=True)

    @app.command("seed")
    def seed(tenant: TenantOption = None) -> None:
        """Add the default categories and their departments / 기본 민원 유형과 담당 부서 추가."""
        with open_platform() as platform:
            tenant_id = resolve_tenant(platform, tenant)
            with platform.engine.begin() as conn:
                added = seed_categories(conn, tenant_id)
        console.print(f"{added} categories added / 민원 유형 {added}개 추가 ({tenant_id})")

    @app.command("jurisdiction")
    def jurisdiction(jurisdiction_id: str, tenant: TenantOption = None) -> None:
        """Set the tenant's Open311 jurisdiction_id / Open311 jurisdiction_id 지정."""
        with open_platform() as platform:
            tenant_id = resolve_tenant(platform, tenant)
            with platform.engine.begin() as conn:
                current = config_repo.get_settings(conn, tenant_id)
                config_repo.put_settings(
                    conn, tenant_id, jurisdiction_id, list(current["holidays"]), float(current["triage_threshold"])
                )
        console.print(f"jurisdiction_id = {jurisdiction_id} ({tenant_id})")

    @app.command("key")
    def key(name: str, tenant: TenantOption = None, json: bool = typer.Option(False, "--json")) -> None:
        """Issue an Open311 api_key for a client application / 클라이언트 앱용 api_key 발급."""
        with open_platform() as platform:
            tenant_id = resolve_tenant(platform, tenant)
            with platform.engine.begin() as conn:
                issued = config_repo.create_key(conn, tenant_id, name)
                settings = config_repo.get_settings(conn, tenant_id)
        if json:
            print_json({**issued, "jurisdiction_id": settings["jurisdiction_id"]})
        else:
            console.print(f"api_key: {issued['api_key']}  (jurisdiction_id={settings['jurisdiction_id']})")

    return app

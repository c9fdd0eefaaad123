"""Civic complaints (민원) as a service of the platform: Open311 GeoReport v2 and the staff handling API."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from maeul.services.spec import NavItem, Service

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from maeul.platform.app import Platform
    from maeul.services.spec import DemoContext

HERE = Path(__file__).parent


def _api_router() -> APIRouter:
    from fastapi import APIRouter

    from maeul.services.complaints.ai_api import create_router as ai_admin
    from maeul.services.complaints.analytics_api import create_router as analytics
    from maeul.services.complaints.api import create_router as staff
    from maeul.services.complaints.open311.routes import create_router as open311

    router = APIRouter()
    router.include_router(open311())
    router.include_router(staff())
    router.include_router(ai_admin())
    router.include_router(analytics())
    return router


def _page_router() -> APIRouter:
    from maeul.services.complaints.pages import router

    return router()


def _demo(platform: Platform, context: DemoContext) -> list[str]:
    from maeul.services.complaints.config_repo import create_key, get_settings, list_keys
    from maeul.services.complaints.setup import seed_categories

    with platform.engine.begin() as conn:
        added = seed_categories(conn, context.tenant)
        notes = [f"민원 유형 {added}개 추가 / {added} complaint categories added"] if added else []
        if not any(k["name"] == "demo" for k in list_keys(conn, context.tenant)):
            key = create_key(conn, context.tenant, "demo")
            jurisdiction = get_settings(conn, context.tenant)["jurisdiction_id"]
            notes.append(f"Open311: /open311/v2/services.json?jurisdiction_id={jurisdiction}  api_key={key['api_key']}")
    return notes


def _on_start(platform: Platform) -> None:
    """Put each tenant's newest stored classifier in use."""
    from maeul.services.complaints.retraining import load_models

    load_models(platform.engine, platform.settings.data_dir)


def _cli() -> typer.Typer:
    from maeul.services.complaints.cli import cli

    return cli()


SERVICE = Service(
    name="complaints",
    title_ko="민원",
    title_en="Civic complaints",
    migrations=HERE / "migrations",
    api_router=_api_router,
    page_router=_page_router,
    templates=HERE / "templates",
    nav=(
        NavItem("console", "/console/complaints/", "민원 처리", "Complaints", permission="read", order=40),
        NavItem("portal", "/portal/complaints/", "민원 신청", "Report a problem", order=40),
    ),
    demo=_demo,
    cli=_cli,
    on_start=_on_start,
)

"""The warnings service (재난·환경 경보): stations, stages, CAP warnings to residents, shelters."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from maeul.services.spec import DemoContext, NavItem, Service

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from maeul.platform.app import Platform


def _api() -> APIRouter:
    from fastapi import APIRouter

    from maeul.services.warnings import api, public

    combined = APIRouter()
    combined.include_router(api.router())
    combined.include_router(public.router())
    return combined


def _pages() -> APIRouter:
    from maeul.services.warnings import pages

    return pages.router()


def _start(platform: Platform) -> None:
    from maeul.services.warnings import runtime

    runtime.start(platform)


def _stop(platform: Platform) -> None:
    from maeul.services.warnings import runtime

    runtime.stop(platform)


def _demo(platform: Platform, context: DemoContext) -> list[str]:
    from maeul.services.warnings import demo

    return demo.run(platform, context)


def _cli() -> typer.Typer:
    from maeul.services.warnings import cli

    return cli.app


SERVICE = Service(
    name="warnings",
    title_ko="재난·환경 경보",
    title_en="Disaster and environment warnings",
    migrations=Path(__file__).parent / "migrations",
    api_router=_api,
    page_router=_pages,
    templates=Path(__file__).parent / "templates",
    nav=(
        NavItem("console", "/console/warnings/", "재난·환경 경보", "Warnings", permission="read", order=30),
        NavItem("portal", "/portal/warnings/", "재난·환경 경보", "Warnings and shelters", order=30),
    ),
    on_start=_start,
    on_stop=_stop,
    demo=_demo,
    cli=_cli,
)

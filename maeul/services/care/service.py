"""The care safety net (돌봄 안전망) as a service of the platform."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maeul.services.care import runtime
from maeul.services.spec import NavItem, Service

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from maeul.platform.app import Platform
    from maeul.services.spec import DemoContext

HERE = Path(__file__).parent


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """A hook another part of the service provides once it exists (detection, replay CLI)."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if callable(found) else None


def _api_router() -> APIRouter:
    from maeul.services.care.api import router

    return router()


def _page_router() -> APIRouter:
    from maeul.services.care import pages

    return pages.router()


def _demo(platform: Platform, context: DemoContext) -> list[str]:
    from maeul.services.care.demo import run_demo

    notes: list[str] = run_demo(platform, context)
    return notes


def _register_rule_kinds() -> None:
    found = _optional("maeul.services.care.detection.rule_kind", "register_rule_kinds")
    if found is not None:
        found()


def _cli() -> typer.Typer:
    found = _optional("maeul.services.care.cli", "cli")
    if found is not None:
        app: typer.Typer = found()
        return app
    import typer

    return typer.Typer(help="돌봄 안전망 / care safety net", no_args_is_help=True)


SERVICE = Service(
    name="care",
    title_ko="돌봄 안전망",
    title_en="Care safety net",
    migrations=HERE / "migrations",
    api_router=_api_router,
    page_router=_page_router,
    templates=HERE / "templates",
    nav=(
        NavItem("console", "/console/care/", "돌봄 현황", "Care status", permission="read", order=20),
        NavItem("console", "/console/care/field", "현장 보기", "Field view", permission="read", order=21),
        NavItem("console", "/console/care/responses", "돌봄 대응", "Care responses", permission="read", order=22),
        NavItem("console", "/console/care/reports", "돌봄 보고서", "Care reports", permission="read", order=23),
    ),
    register_rule_kinds=_register_rule_kinds,
    on_start=runtime.on_start,
    on_stop=runtime.on_stop,
    demo=_demo,
    cli=_cli,
)

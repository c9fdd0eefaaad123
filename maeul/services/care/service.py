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
    pages = importlib.import_module("maeul.services.care.pages")
    made: APIRouter = pages.router()
    return made


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


_HAS_PAGES = (HERE / "pages.py").exists()

SERVICE = Service(
    name="care",
    title_ko="돌봄 안전망",
    title_en="Care safety net",
    migrations=HERE / "migrations",
    api_router=_api_router,
    page_router=_page_router if _HAS_PAGES else None,
    templates=(HERE / "templates") if (HERE / "templates").is_dir() else None,
    nav=(
        NavItem("console", "/console/care/", "돌봄 현황", "Care status", permission="read", order=20),
        NavItem("console", "/console/care/responses", "대응", "Responses", permission="read", order=21),
        NavItem("console", "/console/care/reports", "보고서", "Reports", permission="read", order=22),
    ),
    register_rule_kinds=_register_rule_kinds,
    on_start=runtime.on_start,
    on_stop=runtime.on_stop,
    demo=_demo,
    cli=_cli,
)

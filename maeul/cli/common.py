"""What every command shares: settings, opening the platform, choosing the tenant, printing results."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import orjson
import typer
from rich.console import Console

from maeul.adapters.sql import accounts
from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.platform.app import Platform
from maeul.platform.settings import ConfigError, Settings, load_settings

console = Console(stderr=True)
DEFAULT_TENANT = "default"


def fail(message: str, code: int = 1) -> NoReturn:
    console.print(f"[bold red]오류 / error:[/] {message}")
    raise typer.Exit(code)


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        fail(str(exc), 2)


@contextmanager
def open_platform(settings: Settings | None = None) -> Iterator[Platform]:
    """The platform with its schema up to date, without background workers (for one-shot commands)."""
    platform = Platform.create(settings or settings_or_exit())
    try:
        yield platform
    except (NotFound, Conflict, Invalid) as exc:
        fail(str(exc))
    finally:
        platform.engine.dispose()


def resolve_tenant(platform: Platform, tenant: str | None) -> str:
    """The named tenant; else the only one; else a new ``default`` tenant on an empty install."""
    with platform.engine.begin() as conn:
        if tenant:
            accounts.get_tenant(conn, tenant)
            return tenant
        existing = [t["id"] for t in accounts.list_tenants(conn)]
        if len(existing) == 1:
            return str(existing[0])
        if not existing:
            accounts.create_tenant(conn, DEFAULT_TENANT, "기본 지자체", name_en="Default municipality")
            console.print(f"created tenant [bold]{DEFAULT_TENANT}[/] / 기본 지자체를 만들었습니다")
            return DEFAULT_TENANT
    fail(f"several tenants exist ({', '.join(existing)}): choose one with --tenant")


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")

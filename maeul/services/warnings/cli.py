"""``maeul warnings``: stations, a live demo storm, and the CAP feed from the command line."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from maeul.cli.common import console, open_platform, resolve_tenant
from maeul.platform.clock import now_ms
from maeul.services.spec import DemoContext
from maeul.services.warnings import alerts, demo, stations
from maeul.services.warnings.core.stages import stage_name

app = typer.Typer(help="Disaster and environment warnings / 재난·환경 경보", no_args_is_help=True)
TenantOpt = Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant id (default: the only one)")]


@app.command("stations")
def list_stations(tenant: TenantOpt = None) -> None:
    """The stations and their stage / 관측소와 경보 단계."""
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.connect() as conn:
            rows = stations.list_stations(conn, tenant_id)
    table = Table("id", "name", "kind", "stage", "last value")
    for s in rows:
        value = "" if s["last_value"] is None else f"{s['last_value']:g} {s['unit']}"
        table.add_row(str(s["id"]), s["name"], s["kind"], f"{s['stage']} {stage_name(s['stage'])}", value)
    console.print(table)


@app.command("feed")
def feed(tenant: TenantOpt = None, limit: int = 20) -> None:
    """The latest CAP messages / 최근 CAP 메시지."""
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.connect() as conn:
            rows = alerts.feed(conn, tenant_id, limit)
    table = Table("identifier", "type", "stage", "recipients", "headline")
    for m in rows:
        table.add_row(m["identifier"], m["msg_type"], str(m["stage"]), str(m["recipients"]), m["headline_ko"])
    console.print(table)


@app.command("storm")
def storm(
    tenant: TenantOpt = None,
    minutes: Annotated[int, typer.Option(help="Storm length in simulated minutes", min=30)] = 240,
    step: Annotated[int, typer.Option(help="Simulated minutes per reading", min=1)] = 5,
    interval: Annotated[float, typer.Option(help="Real seconds between readings", min=0.0)] = 1.0,
    seed: int = 2018,
) -> None:
    """Play a storm on the demo stations now: the water rises through 관심, 주의, 경계, 심각 and back."""
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        rows = demo.ensure_stations(platform, DemoContext(tenant_id, (), seed))
        total = minutes // step + 1
        start = now_ms() - minutes * 60_000 if interval == 0 else now_ms()
        with Progress(console=console) as progress:
            task = progress.add_task("폭우 / storm", total=total)

            def pause() -> bool:
                progress.advance(task)
                time.sleep(interval)
                return True

            issued = demo.play(platform, rows, start, minutes, step, seed, pause)
    console.print(f"CAP messages issued / 발령된 CAP 메시지: {issued}")

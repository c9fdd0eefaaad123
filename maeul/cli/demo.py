"""``maeul demo``: the platform on its embedded defaults, Namyangju-si's demo tenant, simulated homes feeding it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer

from maeul.cli.common import console, settings_or_exit
from maeul.cli.demo_setup import DemoState, ensure_demo, find_districts_file, run_service_demos
from maeul.platform.app import Platform
from maeul.platform.logs import configure_logging


def _banner(state: DemoState, host: str, port: int, notes: list[str]) -> None:
    base = f"http://{host}:{port}"
    first = state.devices[0]
    console.rule("[bold]Maeul 데모 / demo")
    console.print(f"지자체 / tenant: [bold]{state.tenant}[/] (남양주시, {len(state.devices)} homes / 가구)")
    console.print(f"API 문서 / API docs: [link]{base}/docs[/]")
    console.print(
        f"관리자 / admin: [bold]{state.admin_username}[/]  비밀번호 / password: [bold]{state.admin_password}[/]"
    )
    console.print(f"API 토큰 / token: [bold]{state.api_token}[/]")
    console.print("(saved in data/demo-credentials.json / 데이터 폴더에 저장됨)\n")
    console.print("예 / try:")
    auth = f"curl -H 'Authorization: Bearer {state.api_token}'"
    paths = (
        "/api/v1/devices",
        f"/api/v1/devices/{first.id}/latest",
        f"/api/v1/devices/{first.id}/telemetry?keys=temperature&interval=1h",
    )
    for path in paths:
        console.print(f"  {auth} '{base}{path}'", soft_wrap=True, markup=False, highlight=False)
    for note in notes:
        console.print(f"[yellow]note:[/] {note}")
    console.rule()


def demo(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    districts: Annotated[Path | None, typer.Option(help="GeoJSON of the districts (default: ../shared data)")] = None,
    interval: Annotated[float, typer.Option(help="Seconds between a home's messages", min=0.5)] = 10.0,
    history_hours: Annotated[int, typer.Option(help="Hours of past readings to create at first start", min=0)] = 24,
) -> None:
    """Start the demo: SQLite, no broker, 30 simulated homes in Namyangju-si feeding live readings."""
    import uvicorn

    from maeul.adapters.http.app import create_app
    from maeul.cli.demo_feed import DemoFeeder
    from maeul.platform.gc_tuning import tune_for_ingest

    settings = settings_or_exit(host=host, port=port)
    configure_logging(settings.log_level, json=False)
    platform = Platform.create(settings)
    state, notes = ensure_demo(platform, find_districts_file(districts))
    notes += run_service_demos(platform, state)
    feeder = DemoFeeder(platform, state.devices, interval_s=interval)
    platform.start()
    try:
        feeder.backfill(history_hours, console)
        thread = threading.Thread(target=feeder.run, name="maeul-demo-feeder", daemon=True)
        thread.start()
        _banner(state, settings.host, settings.port, notes)
        tune_for_ingest()  # as ``maeul serve`` does: start-up is over
        uvicorn.run(
            create_app(platform, manage_lifecycle=False), host=settings.host, port=settings.port, log_level="warning"
        )
    finally:
        feeder.stop()
        platform.stop()

"""``maeul bench``: end-to-end MQTT ingestion beside its ceilings (raw inserts, the broker), with targets.

``benchmarks/ingest_mqtt.py`` is the same command with longer defaults. See ``docs/performance.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from maeul.benchmarking.environment import STORES, Store
from maeul.benchmarking.ingest_e2e import IngestOptions
from maeul.benchmarking.publisher import CLIENTS
from maeul.benchmarking.report import render, write_json
from maeul.benchmarking.rich_progress import RichProgress
from maeul.benchmarking.runner import BenchOptions, check_prerequisites, run_benchmarks
from maeul.platform.settings import DEFAULT_INGEST_BATCH_ROWS

STORE_CHOICES = ("sqlite", "postgres", "both")


@dataclass(frozen=True)
class Defaults:
    """Durations in seconds; ``maeul bench`` keeps them short, the script in benchmarks/ longer."""

    seconds: float = 10.0
    latency_seconds: float = 5.0
    ceiling_seconds: float = 5.0
    store: str = "both"


SHORT = Defaults()
SCRIPT = Defaults(seconds=20.0, latency_seconds=10.0, ceiling_seconds=10.0)


def _stores(choice: str, console: Console) -> tuple[Store, ...]:
    if choice not in STORE_CHOICES:
        console.print(f"[red]--store must be one of {', '.join(STORE_CHOICES)}[/]")
        raise typer.Exit(2)
    stores: tuple[Store, ...] = STORES if choice == "both" else (choice,)  # type: ignore[assignment]
    problems = check_prerequisites(stores)
    if choice == "both" and problems and not check_prerequisites(("sqlite",)):
        console.print(f"[yellow]PostgreSQL skipped:[/] {'; '.join(problems)}")
        return ("sqlite",)
    if problems:
        for problem in problems:
            console.print(f"[red]cannot run the benchmark:[/] {problem}")
        raise typer.Exit(1)
    return stores


def register(app: typer.Typer, defaults: Defaults = SHORT, name: str = "bench") -> None:
    """Add the ``bench`` command to ``app`` (with ``defaults`` for the durations and the store)."""

    @app.command(name=name)
    def bench(
        mode: Annotated[
            str, typer.Argument(help="ingest (the default), or alerts: alert latency and no-data ticks (issue 3)")
        ] = "ingest",
        store: Annotated[str, typer.Option(help="sqlite, postgres or both")] = defaults.store,
        seconds: Annotated[
            float, typer.Option(min=0.5, help="Sustained phase after its warm-up (the recorded figure: 300)")
        ] = defaults.seconds,
        latency_seconds: Annotated[
            float, typer.Option(min=0, help="Fixed-rate latency phase (0 skips it)")
        ] = defaults.latency_seconds,
        ceiling_seconds: Annotated[
            float, typer.Option(min=0.5, help="Each ceiling (raw inserts, broker) and the store-alone diagnostic")
        ] = defaults.ceiling_seconds,
        devices: Annotated[int, typer.Option(min=1, help="Devices created and published for")] = 1000,
        publishers: Annotated[int, typer.Option(min=1, help="Publisher processes (paho, QoS 1)")] = 2,
        readings: Annotated[int, typer.Option(min=1, max=8, help="Readings per message")] = 4,
        batch_rows: Annotated[
            int, typer.Option(min=1, help="MAEUL_INGEST_BATCH_ROWS of the platform")
        ] = DEFAULT_INGEST_BATCH_ROWS,
        queue_rows: Annotated[int, typer.Option(min=1000, help="MAEUL_INGEST_QUEUE_ROWS of the platform")] = 200_000,
        batch_ms: Annotated[int, typer.Option(min=0, help="MAEUL_INGEST_BATCH_MS of the platform")] = 0,
        receive_maximum: Annotated[
            int | None, typer.Option(min=1, help="MQTT receive maximum of Maeul's client (default: the client's)")
        ] = None,
        window: Annotated[
            int, typer.Option(min=10, help="Sustained phase: messages at most between publish and Maeul's PUBACK")
        ] = 10_000,
        latency_rate: Annotated[
            float | None, typer.Option(min=1, help="Latency phase msg/s (default: half the sustained rate)")
        ] = None,
        publisher: Annotated[
            str, typer.Option(help="Publishers' MQTT client: lean (a few µs/msg) or paho (~100 µs/msg)")
        ] = "lean",
        ingest_workers: Annotated[
            int,
            typer.Option(min=0, max=64, help="MQTT receiver processes beside Maeul's writer (0: its own client)"),
        ] = 0,
        ceilings: Annotated[bool, typer.Option(help="Measure the ceilings (--no-ceilings: only Maeul)")] = True,
        json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON")] = None,
        capacity: Annotated[
            float | None, typer.Option(min=1, help="alerts: msg/s to load a share of (default: measured with rules)")
        ] = None,
        nodata_devices: Annotated[int, typer.Option(min=1, help="alerts: devices of the no-data tick")] = 200_000,
        load_rules: Annotated[bool, typer.Option(help="alerts: load devices have a (never firing) rule")] = True,
    ) -> None:
        """Measure MQTT ingestion end to end against raw inserts and the broker, on this machine
        (``maeul bench alerts``: alert latency at half capacity and no-data ticks; see docs/performance.md)."""
        progress_console = Console(stderr=True)
        if mode == "alerts":
            from maeul.benchmarking import alert_cli
            from maeul.benchmarking.alert_e2e import AlertOptions
            from maeul.benchmarking.alert_nodata import NoDataOptions

            latency = AlertOptions(
                seconds=seconds,
                devices=devices,
                publishers=publishers,
                load_rules=load_rules,
                publisher="paho" if publisher == "paho" else "lean",
            )
            no_data = NoDataOptions(devices=nodata_devices, silent=min(200, nodata_devices))
            stores = alert_cli.choose_stores(store, progress_console)
            alert_options = alert_cli.AlertBenchOptions(stores, latency, no_data, capacity=capacity)
            alert_cli.run_and_print(alert_options, json_out)
            return
        if mode != "ingest":
            progress_console.print("[red]the mode is ingest or alerts[/]")
            raise typer.Exit(2)
        chosen = _stores(store, progress_console)
        if publisher not in CLIENTS:
            progress_console.print(f"[red]--publisher must be one of {', '.join(CLIENTS)}[/]")
            raise typer.Exit(2)
        options = BenchOptions(
            stores=chosen,
            ceiling_seconds=ceiling_seconds,
            ceilings=ceilings,
            ingest=IngestOptions(
                seconds=seconds,
                latency_seconds=latency_seconds,
                devices=devices,
                publishers=publishers,
                readings=readings,
                batch_rows=batch_rows,
                queue_rows=queue_rows,
                batch_ms=batch_ms,
                receive_maximum=receive_maximum,
                window=window,
                latency_rate=latency_rate,
                publisher=publisher,
                workers=ingest_workers,
            ),
        )
        report = run_benchmarks(options, RichProgress(progress_console))
        out = Console()
        if not out.is_terminal:
            out = Console(width=200)
        render(report, out)
        if json_out is not None:
            write_json(report, json_out)
            progress_console.print(f"figures written to {json_out}")

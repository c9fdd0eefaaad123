"""The alert benchmark as a command: ``maeul bench alerts`` and ``benchmarks/alert_latency.py``.

Two figures of the issue "Rules, alarms and notifications", per store:

- alert latency, MQTT publish → webhook received, while the platform ingests at half its capacity
  (capacity: ``--capacity``; else, with ``--capacity-from-results``, the latest end-to-end ingest figure in
  ``benchmarks/results/*.json``; else measured first on the same platform with its rules, closed loop) — target
  p99 < 500 ms;
- one no-data tick of the rule runner over 200,000 devices — target < 1 s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console

from maeul.benchmarking.alert_e2e import AlertOptions, run_alert_latency
from maeul.benchmarking.alert_nodata import NoDataOptions, run_no_data
from maeul.benchmarking.alert_report import AlertReport, render, write_json
from maeul.benchmarking.environment import STORES, Store
from maeul.benchmarking.progress import NoProgress, Progress
from maeul.benchmarking.rich_progress import RichProgress
from maeul.benchmarking.runner import check_prerequisites, machine_info

RESULTS_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
STORE_CHOICES = ("sqlite", "postgres", "both")


@dataclass(frozen=True)
class AlertBenchOptions:
    stores: tuple[Store, ...] = STORES
    latency: AlertOptions = field(default_factory=AlertOptions)
    no_data: NoDataOptions = field(default_factory=NoDataOptions)
    capacity: float | None = None  # msg/s; None: measured on the platform with its rules (or from results)
    capacity_from_results: bool = False  # take the newest ingest figure of benchmarks/results instead
    run_latency: bool = True
    run_no_data: bool = True
    results_dir: Path = RESULTS_DIR

    def describe(self) -> dict[str, object]:
        return {
            "stores": ",".join(self.stores),
            "capacity": self.capacity,
            "capacity_from_results": self.capacity_from_results,
            "latency": asdict(self.latency) if self.run_latency else None,
            "no_data": asdict(self.no_data) if self.run_no_data else None,
        }


def capacity_from_results(store: str, directory: Path = RESULTS_DIR, workers: int = 0) -> tuple[float, str] | None:
    """The end-to-end sustained msg/s of ``store`` with ``workers`` ingest workers in the newest results file (by
    name: they are dated)."""
    for path in sorted(directory.glob("*.json"), reverse=True):
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        for figures in data.get("stores") or [] if isinstance(data, dict) else []:
            sustained = ((figures or {}).get("ingest") or {}).get("sustained") or {}
            rate = sustained.get("messages_per_s")
            run_workers = ((figures or {}).get("ingest") or {}).get("workers") or 0
            if figures.get("store") == store and run_workers == workers and isinstance(rate, int | float) and rate > 0:
                return float(rate), f"end-to-end figure of {path.name}"
    return None


def resolve_capacity(store: Store, options: AlertBenchOptions) -> tuple[float | None, str]:
    """The capacity given or found in the results; (None, "") when the latency run is to measure it itself."""
    if options.capacity is not None:
        return options.capacity, "--capacity"
    if options.capacity_from_results:
        found = capacity_from_results(store, options.results_dir, options.latency.workers)
        if found is not None:
            return found
    return None, ""


def run_alert_benchmarks(options: AlertBenchOptions, progress: Progress | None = None) -> AlertReport:
    progress = progress or NoProgress()
    report = AlertReport(date.today().isoformat(), machine_info(options.stores), options.describe())
    for store in options.stores:
        if options.run_latency:
            capacity, source = resolve_capacity(store, options)
            report.latency.append(run_alert_latency(store, capacity, source, options.latency, progress))
        if options.run_no_data:
            report.no_data.append(run_no_data(store, options.no_data, progress))
    report.notes.append(
        "Maeul, Mosquitto, the database, the load publishers and the webhook receiver share this machine's cores; "
        "the CPU line shows 'others': work outside the benchmark"
    )
    return report


def choose_stores(choice: str, console: Console) -> tuple[Store, ...]:
    if choice not in STORE_CHOICES:
        console.print(f"[red]--store must be one of {', '.join(STORE_CHOICES)}[/]")
        raise typer.Exit(2)
    stores: tuple[Store, ...] = STORES if choice == "both" else (choice,)  # type: ignore[assignment]
    problems = check_prerequisites(stores)
    if choice == "both" and problems and not check_prerequisites(("sqlite",)):
        console.print(f"[yellow]PostgreSQL skipped:[/] {'; '.join(problems)}")
        return ("sqlite",)
    for problem in problems:
        console.print(f"[red]cannot run the benchmark:[/] {problem}")
    if problems:
        raise typer.Exit(1)
    return stores


def run_and_print(options: AlertBenchOptions, json_out: Path | None) -> AlertReport:
    """Run with Rich progress on stderr, print the table on stdout, optionally write the JSON."""
    progress_console = Console(stderr=True)
    report = run_alert_benchmarks(options, RichProgress(progress_console))
    out = Console()
    render(report, out if out.is_terminal else Console(width=200))
    if json_out is not None:
        write_json(report, json_out)
        progress_console.print(f"figures written to {json_out}")
    return report


def register(app: typer.Typer, seconds: float = 60.0) -> None:
    """The command of ``benchmarks/alert_latency.py`` (longer defaults than ``maeul bench alerts``)."""

    @app.command()
    def alerts(
        store: Annotated[str, typer.Option(help="sqlite, postgres or both")] = "both",
        seconds: Annotated[float, typer.Option(min=1, help="Measured alerting phase")] = seconds,
        interval_ms: Annotated[float, typer.Option(min=20, help="One alarm every ... ms")] = 200.0,
        capacity: Annotated[
            float | None, typer.Option(min=1, help="Msg/s to load a share of (default: measured first, with rules)")
        ] = None,
        capacity_from_results: Annotated[
            bool, typer.Option(help="Capacity from the newest ingest figure in benchmarks/results (no rules)")
        ] = False,
        capacity_seconds: Annotated[
            float, typer.Option(min=1, help="Capacity phase with rules, closed loop (when not given)")
        ] = 20.0,
        load_share: Annotated[float, typer.Option(min=0, max=1, help="Background load, share of capacity")] = 0.5,
        devices: Annotated[int, typer.Option(min=1, help="Background load devices")] = 1000,
        publishers: Annotated[int, typer.Option(min=1, help="Load publisher processes")] = 2,
        load_rules: Annotated[bool, typer.Option(help="Load devices have a (never firing) rule too")] = True,
        ingest_workers: Annotated[
            int, typer.Option(min=0, help="MQTT receiver processes beside Maeul's writer (MAEUL_INGEST_WORKERS)")
        ] = 0,
        rules_in_transaction: Annotated[
            bool,
            typer.Option(
                "--rules-in-transaction/--rules-after-commit",
                help="Rules in the writer's transaction or on a thread after its commit "
                "(MAEUL_RULES_IN_INGEST_TRANSACTION)",
            ),
        ] = True,
        nodata_devices: Annotated[int, typer.Option(min=1, help="Devices of the no-data tick")] = 200_000,
        nodata_silent: Annotated[int, typer.Option(min=1, help="Devices falling silent in the no-data run")] = 200,
        latency: Annotated[bool, typer.Option(help="Run the alert-latency phase")] = True,
        no_data: Annotated[bool, typer.Option(help="Run the no-data phase")] = True,
        json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON")] = None,
    ) -> None:
        """Alert latency (MQTT publish → webhook) at half capacity, and no-data ticks over many devices."""
        options = AlertBenchOptions(
            stores=choose_stores(store, Console(stderr=True)),
            latency=AlertOptions(
                seconds=seconds,
                interval_s=interval_ms / 1000,
                load_share=load_share,
                devices=devices,
                publishers=publishers,
                load_rules=load_rules,
                workers=ingest_workers,
                capacity_seconds=capacity_seconds,
                rules_in_transaction=rules_in_transaction,
            ),
            no_data=NoDataOptions(devices=nodata_devices, silent=min(nodata_silent, nodata_devices)),
            capacity=capacity,
            capacity_from_results=capacity_from_results,
            run_latency=latency,
            run_no_data=no_data,
        )
        run_and_print(options, json_out)

"""One benchmark run: the broker ceiling, then per store the raw insert ceiling, the store alone, end-to-end."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from maeul.benchmarking.ceilings import broker_ceiling, insert_ceiling
from maeul.benchmarking.environment import STORES, Store
from maeul.benchmarking.figures import BenchReport, StoreFigures
from maeul.benchmarking.ingest_e2e import DEFAULT_RECEIVE_MAXIMUM, IngestOptions, run_ingest
from maeul.benchmarking.progress import NoProgress, Progress
from maeul.benchmarking.publisher import CLIENTS
from maeul.benchmarking.store_only import store_throughput
from maeul.testing.databases import postgres_admin_url, postgres_available
from maeul.testing.mosquitto import find_mosquitto


@dataclass(frozen=True)
class BenchOptions:
    stores: tuple[Store, ...] = STORES
    ceiling_seconds: float = 10.0  # each ceiling and the store-alone diagnostic
    ceilings: bool = True
    ingest: IngestOptions = field(default_factory=IngestOptions)

    def describe(self) -> dict[str, object]:
        described: dict[str, object] = {"stores": ",".join(self.stores), "ceiling_seconds": self.ceiling_seconds}
        described.update(asdict(self.ingest))
        return described


def run_benchmarks(options: BenchOptions, progress: Progress | None = None) -> BenchReport:
    """Everything in one run on this machine; the figures only (printing is :mod:`report`'s job)."""
    progress = progress or NoProgress()
    ingest = options.ingest
    notes: list[str] = []
    load_before = _load()
    brokers = []
    if options.ceilings:
        for client in CLIENTS:
            brokers.append(
                broker_ceiling(
                    options.ceiling_seconds,
                    publishers=ingest.publishers,
                    devices=ingest.devices,
                    readings=ingest.readings,
                    window=ingest.window,
                    receive_maximum=ingest.receive_maximum or DEFAULT_RECEIVE_MAXIMUM,
                    client=client,
                    progress=progress,
                )
            )
    stores: list[StoreFigures] = []
    for store in options.stores:
        ceiling = alone = None
        if options.ceilings:
            ceiling = insert_ceiling(
                store,
                options.ceiling_seconds,
                devices=ingest.devices,
                readings=ingest.readings,
                batch_rows=ingest.batch_rows,
                progress=progress,
            )
            alone = store_throughput(
                store,
                options.ceiling_seconds,
                devices=ingest.devices,
                readings=ingest.readings,
                batch_rows=ingest.batch_rows,
                progress=progress,
            )
        run = run_ingest(store, ingest, progress)
        stores.append(StoreFigures(store, ceiling, run, alone))
    load_after = _load()
    if load_before or load_after:
        notes.append(f"load average (1 min) before {load_before}, after {load_after}")
    cores = os.cpu_count() or 1
    notes.append(
        f"{cores} cores shared by Maeul, Mosquitto, the database, the publishers and the sampler: "
        "the publishers' CPU is load a real deployment would not carry (see the CPU % lines). "
        "The paho broker ceiling is bounded by paho's Python on both sides; the lean one is the broker's own"
    )
    return BenchReport(
        date=date.today().isoformat(),
        machine=machine_info(options.stores),
        options=options.describe(),
        brokers=brokers,
        stores=stores,
        notes=notes,
    )


def check_prerequisites(stores: tuple[Store, ...]) -> list[str]:
    """Why the benchmark cannot run here (no mosquitto, no PostgreSQL), or nothing."""
    problems = []
    try:
        find_mosquitto()
    except RuntimeError as exc:
        problems.append(str(exc))
    if "postgres" in stores:
        problem = postgres_available()
        if problem is not None:
            problems.append(f"PostgreSQL at {postgres_admin_url()} is not reachable: {problem}")
    return problems


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return ""


def machine_info(stores: tuple[Store, ...]) -> dict[str, str]:
    info = {
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "mosquitto": _mosquitto_version(),
    }
    if "postgres" in stores:
        info["postgresql"] = _postgres_version()
    revision = _revision()
    if revision:
        info["maeul"] = revision
    return info


def _revision() -> str:
    """The checkout's commit (and whether files were changed), if Maeul runs from a git checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return ""
        status = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    changed = len([line for line in status.stdout.splitlines() if line.strip()])
    return head.stdout.strip() + (f" + {changed} changed files" if changed else "")


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            kib = int(fh.readline().split()[1])
        return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "?"


def _mosquitto_version() -> str:
    try:
        out = subprocess.run([find_mosquitto(), "-h"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, RuntimeError, subprocess.SubprocessError):
        return "?"
    first = out.splitlines()[0] if out else ""
    return first.removeprefix("mosquitto version ").strip() or "?"


def _postgres_version() -> str:
    import psycopg

    try:
        with psycopg.connect(postgres_admin_url(), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]).split()[0] if row else "?"
    except psycopg.Error:
        return "?"

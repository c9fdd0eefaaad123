"""``maeul care ...``: the detection replay (``care-evaluation.md``) and the Ordóñez converter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from maeul.services.care.detection.config import ConfigError, HomeConfig
from maeul.services.care.detection.events_csv import EventsFormatError
from maeul.services.care.ordonez import OrdonezFormatError, convert_file
from maeul.services.care.replay import ReplayError, ReplayReport, load_events, replay

app = typer.Typer(help="돌봄 안전망 / care safety net", no_args_is_help=True)


def cli() -> typer.Typer:
    """The Typer app mounted as ``maeul care`` (SERVICE.cli)."""
    return app


def _fail(message: str) -> None:
    Console(stderr=True).print(f"[red]{message}[/red]")
    raise typer.Exit(2)


def _config(path: Path | None) -> HomeConfig:
    if path is None:
        return HomeConfig()
    try:
        return HomeConfig.from_json(orjson.loads(path.read_bytes()))
    except (OSError, orjson.JSONDecodeError, ConfigError) as error:
        _fail(f"{path}: {error}")
        raise  # unreachable


def _hours(value: object) -> str:
    if not isinstance(value, int | float):
        return "-"
    minutes = round(float(value) * 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


@app.command("replay")
def replay_command(
    events: Path = typer.Argument(..., exists=True, dir_okay=False, help="events CSV (ts,sensor,room,kind,value)"),
    inject: int = typer.Option(50, "--inject", min=0, help="injected emergencies / 주입할 응급 상황 수"),
    seed: int = typer.Option(1, "--seed", help="random seed of the injection times"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
    config: Path | None = typer.Option(None, "--config", exists=True, dir_okay=False, help="home settings JSON"),
    tick_s: float = typer.Option(60.0, "--tick", min=1.0, help="simulated clock step, seconds"),
) -> None:
    """Replay a home's events through the detection: false alarms, time to detect, misses (learned and fixed)."""
    cfg = _config(config)
    try:
        stream = load_events(events)
    except EventsFormatError as error:
        _fail(f"{events}: {error}")
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"{events}: 읽을 수 없음 / cannot read: {error}")
    stderr = Console(stderr=True)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=stderr, transient=True
        ) as progress:
            sensor_ts = [e.t for e in stream if not e.is_label]
            first, last = (sensor_ts[0], sensor_ts[-1]) if sensor_ts else (0.0, 1.0)
            task = progress.add_task("재생 / replaying", total=2 * max(1.0, last - first))
            done = {"learned": 0.0, "fixed": 0.0}

            def step(name: str, now: float) -> None:
                done[name] = now - first
                progress.update(task, completed=done["learned"] + done["fixed"])

            report = replay(stream, inject=inject, seed=seed, config=cfg, tick_s=tick_s, progress=step)
    except ReplayError as error:
        _fail(f"{events}: {error}")
        raise  # unreachable
    data = report.to_json()
    if as_json:
        typer.echo(orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode())
        return
    Console().print(_table(report, f"{events.name}: {report.events} events, seed {seed}"))


ROWS: list[tuple[str, str, Callable[[object], str]]] = [
    ("household-days", "days", str),
    ("false alarms / 오경보", "false_alarms", str),
    ("per household-day", "false_alarms_per_household_day", str),
    ("injected / 주입", "injected", str),
    ("misses / 놓침", "misses", str),
    ("mean time to detect / 평균 탐지 시간", "mean_time_to_detect_h", _hours),
    ("median time to detect / 중앙값", "median_time_to_detect_h", _hours),
    ("ideal on the same clues, mean / 같은 단서의 이상적 탐지, 평균", "ideal_mean_time_to_detect_h", _hours),
    ("device alerts (not detections)", "device_alerts", str),
]
BOUND_PREFIX = "lower_bound_"  # the JSON's best possible time to detect of the same run's injections


def _table(report: ReplayReport, title: str) -> Table:
    """Each run beside its best possible time to detect: the time from each injected collapse to the resident's
    next real sign of life, which no detector without false alarms can beat (``lower_bound_…`` in the JSON; the
    two runs inject at their own times, so each has its own); and the ideal detector on the same clues, with
    hindsight (``replay_ideal.py``)."""
    table = Table(title=title)
    table.add_column("")
    for name in ("학습 모델 / learned", "고정 단계 / fixed tiers"):
        table.add_column(name, justify="right")
        table.add_column("최선 / best possible", justify="right", style="dim")
    for label, key, fmt in ROWS:
        cells: list[str] = []
        for run in (report.learned, report.fixed):
            bound = run.get(BOUND_PREFIX + key)
            cells += [fmt(run.get(key)), _hours(bound) if bound is not None else ""]
        table.add_row(label, *cells)
    return table


@app.command("convert-ordonez")
def convert_ordonez_command(
    sensors: Path = typer.Argument(..., exists=True, dir_okay=False, help="OrdonezX_Sensors.txt"),
    out: Path = typer.Argument(..., dir_okay=False, help="events CSV to write"),
    adls: Path | None = typer.Option(None, "--adls", exists=True, dir_okay=False, help="OrdonezX_ADLs.txt"),
) -> None:
    """Convert one home of the Ordóñez ADL dataset to the events CSV (labels as ``label:away`` rows)."""
    try:
        rows = convert_file(sensors, adls, out)
    except OrdonezFormatError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"읽거나 쓸 수 없음 / cannot read or write: {error}")
    else:
        Console(stderr=True).print(f"{out}: {rows} rows / 행")

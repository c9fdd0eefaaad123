"""The alert benchmark's figures beside their targets (a Rich table), and as JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from maeul.benchmarking.alert_e2e import P99_TARGET_MS, AlertRun
from maeul.benchmarking.alert_nodata import TARGET_MS, NoDataRun
from maeul.benchmarking.report import Line


@dataclass
class AlertReport:
    date: str
    machine: dict[str, str]
    options: dict[str, Any]
    latency: list[AlertRun] = field(default_factory=list)
    no_data: list[NoDataRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:,.1f} ms"


def lines(report: AlertReport) -> list[Line]:
    out: list[Line] = []
    for run in report.latency:
        load = (
            f"{run.achieved_messages_per_s:,.0f} msg/s of load ({run.offered_messages_per_s:,.0f} offered = "
            f"{run.offered_messages_per_s / run.capacity_messages_per_s:.0%} of {run.capacity_messages_per_s:,.0f}"
            f", {run.capacity_source})"
            if run.capacity_messages_per_s
            else "no load"
        )
        workers = f", {run.workers} ingest workers" if run.workers else ""
        rules = "with" if run.load_rules else "no"
        out.append(Line(run.store, f"background load while alerting ({rules} rules{workers})",
                        load, "half of capacity", "", ""))  # fmt: skip
        complete = run.delivered == run.triggers and run.triggers > 0
        # the target is set at half the capacity: a lighter load shows the figure without a verdict
        at_half = (
            bool(run.capacity_messages_per_s) and run.offered_messages_per_s >= 0.495 * run.capacity_messages_per_s
        )
        out.append(
            Line(
                run.store,
                f"alert latency MQTT publish → webhook received, {run.triggers} alarms",
                f"p50 {_ms(run.p50_ms)}, p95 {_ms(run.p95_ms)}, p99 {_ms(run.p99_ms)}, max {_ms(run.max_ms)}",
                f"p99 < {P99_TARGET_MS:,.0f} ms",
                "",
                _verdict(complete and run.p99_ms < P99_TARGET_MS) if at_half else "(below half)",
            )
        )
        out.append(
            Line(
                run.store,
                "  of which publish → alarm stored / alarm stored → webhook",
                f"p50 {_ms(run.to_alarm_p50_ms)} / {_ms(run.to_webhook_p50_ms)}, "
                f"p99 {_ms(run.to_alarm_p99_ms)} / {_ms(run.to_webhook_p99_ms)}",
                "",
                "",
                "",
            )
        )
        if run.stages:
            s = run.stages
            # rules in the writer's transaction (the default) have no lag of their own: their time is in the write
            rules = f"{_ms(s['rules_lag_ms'])} behind the commit, " if s.get("rules_lag_ms_n") else "in the write, "
            out.append(
                Line(
                    run.store,
                    "  inside: means of ingest queue + write / rules (cycle)",
                    f"{_ms(s['ingest_queue_ms'])} + {_ms(s['ingest_write_ms'])} ({s['ingest_batch_rows']:,.0f} rows) / "
                    f"{rules}{_ms(s['rules_cycle_ms'])} per cycle of {s['rules_cycle_readings']:,.0f} readings",
                    "",
                    "",
                    "",
                )
            )
        out.append(
            Line(
                run.store,
                "every alarm notified once",
                f"{run.delivered} of {run.triggers}, {run.duplicates} duplicates",
                "all, none twice",
                "",
                _verdict(complete and run.duplicates == 0),
            )
        )
    for nd in report.no_data:
        where = f"{nd.devices:,} devices × {nd.keys} keys ({nd.latest_rows:,} latest values)"
        out.append(
            Line(
                nd.store,
                f"no-data tick (RuleRunner.tick), nobody silent, {where}",
                f"median {_ms(nd.steady_median_ms)}, max {_ms(max(nd.steady_ms, default=0.0))} "
                f"({len(nd.steady_ms)} ticks)",
                f"< {TARGET_MS:,.0f} ms",
                "",
                _verdict(bool(nd.steady_ms) and max(nd.steady_ms) < TARGET_MS),
            )
        )
        out.append(
            Line(
                nd.store,
                f"  tick raising {nd.raised} alarms ({nd.silent} devices fell silent)",
                f"{_ms(nd.raise_ms)} ({nd.raise_ms / max(1, nd.raised):,.1f} ms per alarm)",
                "(each alarm written)",
                "",
                "" if nd.raised == nd.silent else "FAIL",
            )
        )
        out.append(
            Line(nd.store, f"  tick with {nd.active_alarms} alarms open", _ms(nd.open_steady_ms),
                 f"< {TARGET_MS:,.0f} ms", "", _verdict(nd.open_steady_ms < TARGET_MS))
        )  # fmt: skip
        out.append(
            Line(
                nd.store,
                f"  tick clearing {nd.cleared} alarms (the devices report again)",
                f"{_ms(nd.clear_ms)} ({nd.clear_ms / max(1, nd.cleared):,.1f} ms per alarm)",
                "(each alarm written)",
                "",
                "" if nd.cleared == nd.silent else "FAIL",
            )
        )
    return out


def render(report: AlertReport, console: Console) -> None:
    table = Table(show_lines=False)
    for name in ("store", "figure", "measured", "target", "verdict"):
        table.add_column(name, justify="left" if name in ("store", "figure") else "right")
    for line in lines(report):
        style = {"PASS": "green", "FAIL": "red"}.get(line.verdict, "")
        verdict = f"[{style}]{line.verdict}[/]" if style else line.verdict
        table.add_row(line.store, line.figure, line.measured, line.compared, verdict)
    console.print(table)
    for run in report.latency:
        cpu = ", ".join(f"{k} {v:g}" for k, v in run.cpu.items()) or "n/a"
        console.print(f"{run.store} alert phase CPU % of one core: {cpu}")
    for nd in report.no_data:
        reads = ", ".join(f"{ms:,.0f}" for ms in nd.candidates_ms)
        console.print(
            f"{nd.store} no-data: set-up {nd.setup_s:,.0f} s; tick_candidates alone (the SQL read): {reads} ms"
        )
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")


def as_json(report: AlertReport) -> dict[str, Any]:
    data = dataclasses.asdict(report)
    for run, plain in zip(report.no_data, data["no_data"], strict=True):
        plain["steady_median_ms"] = round(run.steady_median_ms, 1)
    data["table"] = [dataclasses.asdict(line) for line in lines(report)]
    return data


def write_json(report: AlertReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(as_json(report), option=orjson.OPT_INDENT_2))

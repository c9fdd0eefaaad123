"""Print the figures beside their ceilings and targets (a Rich table), and write them as JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from maeul.benchmarking.figures import BenchReport, BrokerCeiling, IngestRun, StoreFigures

# The targets ("Platform core", section Speed) and the figures it compares with.
RAW_SHARE_TARGET = 0.5  # end-to-end sustained >= 50% of the raw insert ceiling, on each store
P99_TARGET_MS = 1000.0  # p99 publish-to-queryable under 1 s at half the sustained rate
SUSTAINED_TARGET_S = 300.0  # "sustained for 5 minutes"
NATIONAL_MSGS_PER_S = 13_000  # ~200,000 homes x 4 sensors, one message a minute each
THINGSBOARD_MSGS_PER_S = 5_000  # the figure: ThingsBoard, one node, 2 vCPU, PostgreSQL, 95% CPU


@dataclass(frozen=True)
class Line:
    store: str
    figure: str
    measured: str
    compared: str
    ratio: str
    verdict: str  # PASS, FAIL or "" (a ceiling or a comparison, no target)


def _rate(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}/s"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def lines(report: BenchReport) -> list[Line]:
    """The table's rows: ceilings, then per store each figure beside its ceiling or target."""
    out: list[Line] = []
    for broker in report.brokers:
        out.append(
            Line(
                "-",
                f"broker ceiling: {broker.publishers} QoS 1 publishers → Mosquitto → 1 QoS 1 subscriber, "
                f"{broker.client} clients" + (" (paho's Python bounds it)" if broker.client == "paho" else ""),
                f"{_rate(broker.messages_per_s, 'msg')} ({_rate(broker.readings_per_s, 'readings')})",
                "ceiling",
                "",
                "",
            )
        )
    for figures in report.stores:
        out.extend(_store_lines(figures, report))
    return out


def _store_lines(figures: StoreFigures, report: BenchReport) -> list[Line]:
    store = figures.store
    out: list[Line] = []
    ceiling = figures.ceiling
    if ceiling is not None:
        out.append(
            Line(
                store,
                f"raw insert ceiling: {ceiling.method}, {ceiling.batch_rows:,} rows/commit, no Maeul code",
                _rate(ceiling.rows_per_s, "rows"),
                "ceiling",
                "",
                "",
            )
        )
    if figures.store_only is not None:
        alone = figures.store_only
        ratio = f"{alone.rows_per_s / ceiling.rows_per_s:.0%} of raw" if ceiling and ceiling.rows_per_s else ""
        out.append(
            Line(
                store,
                "diagnostic: Maeul's TelemetryStore alone (raw + latest + 3 rollups, no MQTT)",
                _rate(alone.rows_per_s, "rows"),
                _rate(ceiling.rows_per_s, "rows") if ceiling else "",
                ratio,
                "",
            )
        )
    run = figures.ingest
    if run is None:
        return out
    out.extend(_ingest_lines(run, figures, report))
    return out


def _outsiders(busiest: list[tuple[str, float]]) -> str:
    if not busiest:
        return ""
    return "; busiest other processes (% of a core): " + ", ".join(f"{who} {share:g}" for who, share in busiest)


def _workers(run: IngestRun) -> str:
    return f"{run.workers} ingest workers, " if run.workers else ""


def _ingest_lines(run: IngestRun, figures: StoreFigures, report: BenchReport) -> list[Line]:
    store, sustained = run.store, run.sustained
    out: list[Line] = []
    short = sustained.seconds < SUSTAINED_TARGET_S - 1
    duration = f"{sustained.seconds:.0f} s" + (" (the target asks 300 s)" if short else "")
    ceiling = figures.ceiling
    if ceiling is not None and ceiling.rows_per_s:
        share = sustained.rows_per_s / ceiling.rows_per_s
        out.append(
            Line(
                store,
                f"end-to-end sustained, MQTT → stored, {run.readings} readings/msg, {_workers(run)}{duration}",
                f"{_rate(sustained.rows_per_s, 'rows')} ({_rate(sustained.messages_per_s, 'msg')})",
                f"≥ {RAW_SHARE_TARGET:.0%} of raw = {_rate(RAW_SHARE_TARGET * ceiling.rows_per_s, 'rows')}",
                f"{share:.1%} of raw",
                _verdict(share >= RAW_SHARE_TARGET and not short),
            )
        )
    else:
        out.append(
            Line(
                store,
                f"end-to-end sustained, MQTT → stored, {_workers(run)}{duration}",
                f"{_rate(sustained.rows_per_s, 'rows')} ({_rate(sustained.messages_per_s, 'msg')})",
                "",
                "",
                "",
            )
        )
    broker = broker_ceiling_of(report)
    if broker is not None and broker.messages_per_s:
        out.append(
            Line(
                store,
                f"end-to-end vs the broker ceiling ({broker.client} clients)",
                _rate(sustained.messages_per_s, "msg"),
                _rate(broker.messages_per_s, "msg"),
                f"{sustained.messages_per_s / broker.messages_per_s:.0%} of broker",
                "",
            )
        )
    out.append(
        Line(
            store,
            "national scale: ~200,000 homes × 4 sensors, 1 msg/min each",
            _rate(sustained.messages_per_s, "msg"),
            f"≥ {_rate(NATIONAL_MSGS_PER_S, 'msg')}",
            f"{sustained.messages_per_s / NATIONAL_MSGS_PER_S:.0%}",
            _verdict(sustained.messages_per_s >= NATIONAL_MSGS_PER_S),
        )
    )
    out.append(
        Line(
            store,
            "ThingsBoard single node, 2 vCPU, PostgreSQL, 95% CPU (the issue's figure)",
            _rate(sustained.messages_per_s, "msg"),
            _rate(THINGSBOARD_MSGS_PER_S, "msg"),
            f"{sustained.messages_per_s / THINGSBOARD_MSGS_PER_S:.2f}×",
            "",
        )
    )
    latency = run.latency
    if latency is not None:
        out.append(
            Line(
                store,
                f"publish → queryable at {latency.offered_messages_per_s:,.0f} msg/s "
                f"(achieved {latency.achieved_messages_per_s:,.0f}), {latency.samples:,} samples",
                f"p99 {latency.p99_ms:,.0f} ms (p50 {latency.p50_ms:,.0f}, p95 {latency.p95_ms:,.0f}, "
                f"max {latency.max_ms:,.0f})",
                f"p99 < {P99_TARGET_MS:,.0f} ms",
                "",
                _verdict(latency.samples > 0 and latency.p99_ms < P99_TARGET_MS),
            )
        )
    complete = run.stored_rows == run.expected_rows and run.dead_letters == 0
    out.append(
        Line(
            store,
            "every published reading stored once (count(*) after the run)",
            f"{run.stored_rows:,} rows",
            f"{run.expected_rows:,} published",
            f"{run.dead_letters} dead letters",
            _verdict(complete),
        )
    )
    return out


def broker_ceiling_of(report: BenchReport) -> BrokerCeiling | None:
    """The broker's own rate: measured with the lean clients if it was, else with whatever was used."""
    for broker in report.brokers:
        if broker.client == "lean":
            return broker
    return report.brokers[0] if report.brokers else None


def render(report: BenchReport, console: Console) -> None:
    """Print the header (date, machine, settings), the figures table and the diagnostics."""
    machine = ", ".join(f"{k} {v}" for k, v in report.machine.items())
    console.print(f"[bold]Maeul ingestion benchmark[/] {report.date}")
    console.print(f"machine: {machine}")
    console.print("options: " + ", ".join(f"{k}={v}" for k, v in report.options.items()))
    table = Table(show_lines=False)
    for name, justify in (
        ("store", "left"),
        ("figure", "left"),
        ("measured", "right"),
        ("ceiling / target", "right"),
        ("ratio", "right"),
        ("verdict", "center"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for line in lines(report):
        style = {"PASS": "green", "FAIL": "red"}.get(line.verdict, "")
        verdict = f"[{style}]{line.verdict}[/]" if style else line.verdict
        table.add_row(line.store, line.figure, line.measured, line.compared, line.ratio, verdict)
    console.print(table)
    for text in diagnostics(report):
        console.print(text)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")


def diagnostics(report: BenchReport) -> list[str]:
    """CPU shares and pipeline figures that explain the table (CPU in % of one core)."""
    out: list[str] = []
    for broker in report.brokers:
        out.append(f"broker ceiling ({broker.client} clients) CPU %: {_cpu(broker.cpu)}")
    for figures in report.stores:
        run = figures.ingest
        if run is None:
            continue
        s = run.sustained
        maeul_cpu = s.cpu.get("maeul", 0.0) + s.cpu.get("receivers", 0.0)
        if maeul_cpu and s.messages_per_s:
            per_message_us = maeul_cpu * 1e4 / s.messages_per_s
            who = f"Maeul's {run.workers + 1} processes" if run.workers else "Maeul's process"
            out.append(
                f"{run.store} sustained: {who} used {maeul_cpu:g}% of a core, {per_message_us:,.0f} µs of "
                f"CPU per message: one core fully given to it would carry about "
                f"{1e6 / per_message_us:,.0f} msg/s (an extrapolation, not a measurement)"
            )
        out.append(
            f"{run.store} sustained ({run.publisher} publishers): {s.batches:,} batches, "
            f"mean {s.mean_batch_rows:,.0f} rows, "
            f"mean write {s.mean_write_ms:,.1f} ms, {s.slow_batches} over 1 s; "
            f"publishers behind in {s.publisher_bound:.0%} of samples; "
            f"slowest 10 s: {s.slowest_10s_rows_per_s:,.0f} rows/s; GC pauses {s.gc_pause_s:.1f} s "
            f"({100 * s.gc_pause_s / s.seconds if s.seconds else 0:.1f}% of the time, "
            f"{s.gc_full_collections} full); CPU %: {_cpu(s.cpu)}{_outsiders(s.busiest_others)}"
        )
        if run.latency is not None:
            lat = run.latency
            out.append(
                f"{run.store} latency phase: mean batch {lat.mean_batch_rows:,.0f} rows, mean write "
                f"{lat.mean_write_ms:,.1f} ms, {lat.slow_batches} over 1 s; GC pauses {lat.gc_pause_s:.1f} s; "
                f"CPU %: {_cpu(lat.cpu)} (resolution: one {lat.poll_ms:g} ms poll + one query)"
                f"{_outsiders(lat.busiest_others)}"
            )
            steps = ", ".join(f"{t:g}s: p50 {p50:,.0f}/max {worst:,.0f}" for t, _n, p50, worst in run.latency.timeline)
            if steps:
                out.append(f"{run.store} latency per 10 s (ms): {steps}")
    return out


def _cpu(cpu: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in cpu.items()) or "n/a"


def as_json(report: BenchReport) -> dict[str, Any]:
    """The report as plain data, with the derived rates and the table's lines."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            data = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
            for name in ("rows_per_s", "messages_per_s", "readings_per_s"):
                if hasattr(value, name):
                    data[name] = round(getattr(value, name), 1)
            return data
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    data: dict[str, Any] = plain(report)
    data["table"] = [dataclasses.asdict(line) for line in lines(report)]
    return data


def write_json(report: BenchReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(as_json(report), option=orjson.OPT_INDENT_2))

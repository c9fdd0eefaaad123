"""Each benchmark runs for a moment and produces figures, with rows really stored. No timing is asserted:
speed is measured by ``benchmarks/`` and recorded in docs/performance.md, never checked here.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import orjson
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from maeul.benchmarking.ceilings import broker_ceiling, insert_ceiling
from maeul.benchmarking.figures import BenchReport, StoreFigures
from maeul.benchmarking.ingest_e2e import IngestOptions, run_ingest
from maeul.benchmarking.report import as_json, lines, render
from maeul.benchmarking.store_only import store_throughput
from maeul.cli.bench import register
from maeul.testing.databases import postgres_available
from maeul.testing.mosquitto import require_mosquitto

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TINY = IngestOptions(seconds=2.0, latency_seconds=2.0, devices=20, publishers=1, window=2000, markers=5)


@pytest.fixture
def mosquitto() -> None:
    require_mosquitto()


@pytest.fixture
def postgres() -> None:
    problem = postgres_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL must be reachable in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")


def test_sqlite_raw_insert_ceiling_stores_its_rows() -> None:
    figure = insert_ceiling("sqlite", 1.0, devices=50, batch_rows=400)
    assert figure.rows > 0
    assert figure.verified_rows == figure.rows
    assert figure.rows_per_s > 0


@pytest.mark.postgres
def test_postgres_raw_insert_ceiling_stores_its_rows(postgres: None) -> None:
    figure = insert_ceiling("postgres", 1.0, devices=50, batch_rows=400)
    assert figure.rows > 0
    assert figure.verified_rows == figure.rows


def test_store_alone_stores_its_rows() -> None:
    figure = store_throughput("sqlite", 1.0, devices=50, batch_rows=400)
    assert figure.rows > 0
    assert figure.verified_rows == figure.rows


@pytest.mark.mqtt
@pytest.mark.parametrize("client", ["lean", "paho"])
def test_broker_ceiling_counts_messages(mosquitto: None, client: str) -> None:
    figure = broker_ceiling(2.0, publishers=1, devices=20, window=500, client=client)  # type: ignore[arg-type]
    assert figure.client == client
    assert figure.messages > 0
    assert figure.messages_per_s > 0
    assert figure.readings_per_s == figure.messages_per_s * 4


@pytest.mark.mqtt
def test_end_to_end_on_sqlite_stores_every_published_reading(mosquitto: None) -> None:
    run = run_ingest("sqlite", TINY)
    _check_run(run)


@pytest.mark.mqtt
@pytest.mark.postgres
def test_end_to_end_on_postgres_stores_every_published_reading(mosquitto: None, postgres: None) -> None:
    run = run_ingest("postgres", TINY)
    _check_run(run)


@pytest.mark.mqtt
def test_end_to_end_with_paho_publishers_and_a_receive_maximum(mosquitto: None) -> None:
    from dataclasses import replace

    run = run_ingest("sqlite", replace(TINY, publisher="paho", receive_maximum=200, latency_seconds=1.0))
    assert run.publisher == "paho" and run.receive_maximum == 200
    _check_run(run)


@pytest.mark.mqtt
def test_end_to_end_with_ingest_workers(mosquitto: None) -> None:
    """Maeul with two MQTT receiver processes: the run accounts for their acknowledgements and CPU."""
    from dataclasses import replace

    run = run_ingest("sqlite", replace(TINY, workers=2))
    assert run.workers == 2
    _check_run(run)
    assert "receivers" in run.sustained.cpu


@pytest.mark.mqtt
def test_receiver_alone_benchmark_prints_its_figures(mosquitto: None) -> None:
    """benchmarks/mqtt_receiver.py: one receiver, its messages acknowledged and its CPU per message printed."""
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "mqtt_receiver.py"
    spec = importlib.util.spec_from_file_location("mqtt_receiver_bench", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = CliRunner().invoke(module.app, ["--seconds", "1", "--publishers", "1", "--ceiling-seconds", "1"])
    assert result.exit_code == 0, result.output
    assert "msg/s acknowledged" in result.output
    assert "CPU per message" in result.output and "µs" in result.output
    assert "broker ceiling" in result.output


def _check_run(run: object) -> None:
    from maeul.benchmarking.figures import IngestRun

    assert isinstance(run, IngestRun)
    assert run.sustained.rows > 0 and run.sustained.rows_per_s > 0
    assert run.published > 0
    assert run.expected_rows == run.published * 4
    assert run.stored_rows == run.expected_rows  # nothing lost, nothing twice
    assert run.dead_letters == 0
    assert run.latency is not None
    assert run.latency.samples > 0
    assert run.latency.p50_ms <= run.latency.p95_ms <= run.latency.p99_ms <= run.latency.max_ms


def test_report_puts_figures_beside_ceilings_and_targets() -> None:
    from maeul.benchmarking.figures import BrokerCeiling, IngestRun, InsertCeiling, Latency, Sustained

    sustained = Sustained(
        seconds=300.0,
        messages=3_000_000,
        rows=12_000_000,
        readings=4,
        window=10_000,
        publisher_bound=0.0,
        slowest_10s_rows_per_s=39_000.0,
    )
    latency = Latency(5000.0, 5000.0, 60.0, 6000, 10.0, 20.0, 80.0, 400.0, 900.0)
    run = IngestRun("sqlite", 1000, 2, 4, 5000, 1000, "lean", sustained, latency, 3_100_000, 12_400_000, 12_400_000, 0)
    ceiling = InsertCeiling("sqlite", "executemany", 1_000_000, 10.0, 5000, 1_000_000)
    report = BenchReport(
        "2026-11-23",
        {"cores": "2"},
        {"seconds": 300},
        [BrokerCeiling(2, 4, 100_000, 10.0)],
        [StoreFigures("sqlite", ceiling, run)],
    )
    verdicts = {line.figure.split(",")[0].split(":")[0]: line.verdict for line in lines(report)}
    assert verdicts["end-to-end sustained"] == "FAIL"  # 40,000 rows/s is 40% of 100,000
    assert verdicts["national scale"] == "FAIL"  # 10,000 msg/s < 13,000
    assert any(line.verdict == "PASS" and "queryable" in line.figure for line in lines(report))
    text = io.StringIO()
    render(report, Console(file=text, width=250))
    assert "100,000 rows/s" in text.getvalue() and "40.0% of raw" in text.getvalue()
    data = orjson.loads(orjson.dumps(as_json(report)))
    assert data["stores"][0]["ingest"]["sustained"]["rows_per_s"] == 40_000.0
    assert data["table"]


@pytest.mark.mqtt
def test_bench_command_prints_the_table_and_writes_json(mosquitto: None, tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    out = tmp_path / "figures.json"
    result = CliRunner().invoke(
        app,
        [
            "--store",
            "sqlite",
            "--seconds",
            "1",
            "--latency-seconds",
            "1",
            "--ceiling-seconds",
            "0.5",
            "--devices",
            "10",
            "--publishers",
            "1",
            "--window",
            "1000",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "raw insert ceiling" in result.output
    assert "end-to-end sustained" in result.output
    data = orjson.loads(out.read_bytes())
    run = data["stores"][0]["ingest"]
    assert run["stored_rows"] == run["expected_rows"] > 0

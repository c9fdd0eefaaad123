"""The alert benchmarks run for a moment and produce complete figures (no timing is asserted: speed is measured
by ``benchmarks/alert_latency.py`` and recorded in docs/performance.md)."""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

import orjson
import pytest
from rich.console import Console

from maeul.benchmarking.alert_cli import capacity_from_results
from maeul.benchmarking.alert_e2e import AlertOptions, run_alert_latency
from maeul.benchmarking.alert_nodata import NoDataOptions, run_no_data
from maeul.benchmarking.alert_report import AlertReport, as_json, render
from maeul.testing.databases import postgres_available
from maeul.testing.mosquitto import require_mosquitto

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TINY = AlertOptions(seconds=2.0, warmup_s=1.0, devices=30, publishers=1, trigger_devices=3, drain_s=30.0)


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


@pytest.mark.mqtt
def test_alert_latency_matches_every_alarm_to_its_webhook(mosquitto: None) -> None:
    run = run_alert_latency("sqlite", 100.0, "test", TINY)
    assert run.triggers >= 5
    assert run.delivered == run.triggers and run.missing == 0 and run.duplicates == 0
    assert 0 < run.p50_ms <= run.p95_ms <= run.p99_ms <= run.max_ms
    assert run.offered_messages_per_s == 50.0
    # the platform's own stage timings over the measured window: batches written and rules evaluated, on SQLite in
    # the writer's transaction (no rule thread, so no lag behind the commit)
    assert run.stages["ingest_write_ms_n"] > 0 and run.stages["rules_cycle_ms_n"] > 0
    assert run.stages["rules_cycle_ms"] > 0 and run.stages["rules_cycle_readings"] > 0
    assert run.stages["rules_lag_ms_n"] == 0


@pytest.mark.mqtt
def test_without_a_capacity_the_run_measures_it_first_with_rules(mosquitto: None) -> None:
    options = dataclasses.replace(TINY, capacity_seconds=2.0, load_share=0.1)
    run = run_alert_latency("sqlite", None, "", options)
    assert run.capacity_messages_per_s > 0 and run.capacity_source.startswith("measured first")
    assert run.offered_messages_per_s == pytest.approx(max(1.0, run.capacity_messages_per_s * 0.1))
    assert run.delivered == run.triggers >= 5 and run.missing == 0 and run.duplicates == 0


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_no_data_ticks_raise_and_clear_the_silent_devices(store: str, request: pytest.FixtureRequest) -> None:
    if store == "postgres":
        request.getfixturevalue("postgres")
    run = run_no_data(store, NoDataOptions(devices=300, silent=7, ticks=2))  # type: ignore[arg-type]
    assert run.devices == 300 and run.latest_rows == 1200
    assert len(run.steady_ms) == 2
    assert run.raised == run.silent == run.cleared == run.active_alarms == 7
    report = AlertReport("2026-11-23", {"cores": "2"}, {}, no_data=[run])
    text = io.StringIO()
    render(report, Console(file=text, width=250))
    assert "no-data tick" in text.getvalue()
    assert orjson.loads(orjson.dumps(as_json(report)))["table"]


def test_capacity_comes_from_the_newest_results_file(tmp_path: Path) -> None:
    def stores(rate: float) -> dict[str, object]:
        return {"stores": [{"store": "sqlite", "ingest": {"sustained": {"messages_per_s": rate}}}]}

    (tmp_path / "2026-11-01-run.json").write_bytes(orjson.dumps(stores(1000.0)))
    (tmp_path / "2026-11-02-run.json").write_bytes(orjson.dumps(stores(1500.0)))
    (tmp_path / "2026-11-03-alerts.json").write_bytes(orjson.dumps({"latency": []}))
    assert capacity_from_results("sqlite", tmp_path) == (1500.0, "end-to-end figure of 2026-11-02-run.json")
    assert capacity_from_results("postgres", tmp_path) is None

"""No-data rules over many devices, through the product path: :meth:`RuleRunner.tick` of a real platform.

Set-up: a fresh store, one tenant, a profile with ``keys`` keys and one no-data rule (silent for
``silent_s``), ``devices`` devices of that profile with latest values last seen within the past half of
``silent_s`` (inserted in bulk). Then, each measured with the wall clock around the product's own call:

1. steady ticks: nobody fell silent; the tick reads the latest-values table (the SQL the scheduler runs)
   and finds no device to step;
2. ``silent`` devices stop reporting (their latest values are moved back): the tick raises their alarms;
3. a steady tick with those alarms open;
4. they report again: the tick clears their alarms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import false, func, select

from maeul.adapters.sql import accounts, rules
from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql.alarm_tables import alarms
from maeul.benchmarking.alert_setup import bulk_devices, bulk_latest, set_last_seen
from maeul.benchmarking.environment import Store, fresh_database
from maeul.benchmarking.progress import NoProgress, Progress
from maeul.benchmarking.workload import TENANT, keys_for
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.platform.settings import Settings

TARGET_MS = 1000.0  # the issue: no-data rules over 200,000 devices "well under a second"


@dataclass(frozen=True)
class NoDataOptions:
    devices: int = 200_000
    keys: int = 4
    silent_s: int = 600
    silent: int = 200  # devices that fall silent in step 2
    ticks: int = 5  # steady ticks measured in step 1


@dataclass
class NoDataRun:
    store: str
    devices: int
    keys: int
    latest_rows: int
    silent_s: int
    setup_s: float
    steady_ms: list[float] = field(default_factory=list)  # whole ticks, nothing to change
    candidates_ms: list[float] = field(default_factory=list)  # tick_candidates alone: the SQL read + edges
    silent: int = 0
    raised: int = 0
    raise_ms: float = 0.0
    open_steady_ms: float = 0.0
    cleared: int = 0
    clear_ms: float = 0.0
    active_alarms: int = 0

    @property
    def steady_median_ms(self) -> float:
        return statistics.median(self.steady_ms) if self.steady_ms else 0.0

    @property
    def worst_ms(self) -> float:
        return max([*self.steady_ms, self.raise_ms, self.open_steady_ms, self.clear_ms], default=0.0)


def _timed(call: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    result = call()
    return int(result), (time.perf_counter() - started) * 1000


def run_no_data(store: Store, options: NoDataOptions | None = None, progress: Progress | None = None) -> NoDataRun:
    opts = options or NoDataOptions()
    progress = progress or NoProgress()
    with tempfile.TemporaryDirectory(prefix="maeul-bench-nodata-") as tmp_name:
        tmp = Path(tmp_name)
        with fresh_database(store, tmp / "db") as url:
            platform = Platform.create(Settings(data_dir=tmp / "data", database_url=url, log_json=False))
            try:
                return _run(platform, store, opts, progress)
            finally:
                platform.stop()


def _run(platform: Platform, store: str, opts: NoDataOptions, progress: Progress) -> NoDataRun:
    engine = platform.engine
    runner = platform.rule_runner
    assert runner is not None  # the platform's own runner, its listeners (notifications) included
    keys = keys_for(opts.keys)
    started = time.monotonic()
    with engine.begin() as conn:
        accounts.create_tenant(conn, TENANT, "벤치마크시", name_en="Benchmark City")
        profile = device_repo.create_profile(conn, TENANT, "home", [{"key": k, "type": "number"} for k in keys])
        rules.create_rule(
            conn,
            TENANT,
            profile["id"],
            name="silent home",
            alarm_type="no_data",
            severity="major",
            condition={"kind": "no_data", "silent_s": opts.silent_s},
        )
    ids = bulk_devices(engine, TENANT, profile["id"], opts.devices, "home", progress)
    silent_ms = opts.silent_s * 1000
    rows = bulk_latest(engine, ids, keys, now_ms(), silent_ms // 2, progress)
    run = NoDataRun(store, len(ids), len(keys), rows, opts.silent_s, time.monotonic() - started)

    progress.phase("no-data ticks", opts.ticks * 2 + 3)
    try:
        runner.invalidate()
        for n in range(opts.ticks):
            _, ms = _timed(lambda: len(runner.tick_candidates(now_ms())))
            run.candidates_ms.append(ms)
            changed, ms = _timed(lambda: runner.tick(now_ms()))
            if changed:
                raise RuntimeError(f"a steady tick changed {changed} alarms: the set-up is wrong")
            run.steady_ms.append(ms)
            progress.update(2 * n + 2, f"steady tick {ms:,.0f} ms")
        step = max(1, len(ids) // max(1, opts.silent))
        silent = ids[::step][: opts.silent]
        run.silent = len(silent)
        set_last_seen(engine, silent, now_ms() - 2 * silent_ms)
        run.raised, run.raise_ms = _timed(lambda: runner.tick(now_ms()))
        progress.update(2 * opts.ticks + 1, f"{run.raised} raised in {run.raise_ms:,.0f} ms")
        with engine.connect() as conn:
            active = select(func.count()).select_from(alarms).where(alarms.c.cleared == false())
            run.active_alarms = int(conn.execute(active).scalar_one())
        _, run.open_steady_ms = _timed(lambda: runner.tick(now_ms()))
        set_last_seen(engine, silent, now_ms())
        run.cleared, run.clear_ms = _timed(lambda: runner.tick(now_ms()))
        progress.update(2 * opts.ticks + 3, f"{run.cleared} cleared in {run.clear_ms:,.0f} ms")
    finally:
        progress.done()
    return run

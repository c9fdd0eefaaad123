"""End-to-end ingestion over MQTT: publish until stored and queryable, through a real :class:`Platform`.

Set-up: a private Mosquitto with Maeul's ingest account and a bench publisher account (may publish
``maeul/#``); a fresh database with one tenant and ``devices`` devices; a real platform with ``mqtt_url`` set,
so that the real ``MqttIngestClient`` (in this process, or in ``workers`` receiver processes), ingest pipeline
and telemetry store run.
Publishers are separate processes (see :mod:`maeul.benchmarking.publisher`).

Phases:

1. sustained: closed-loop publishing as fast as Maeul stores (at most ``window`` messages between the
   publishers and Maeul's commit, so that the broker never drops); stored rows/s after a warm-up.
2. latency: a fixed rate (half the sustained capacity unless given), open loop; a sampler process measures
   publish-to-queryable time of marker devices' rows (see :mod:`maeul.benchmarking.latency`).

Finally every published message must be stored: the table is counted.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, func, select, text

from maeul.adapters.mqtt.subscriber import MqttIngestClient
from maeul.adapters.sql import accounts, devices
from maeul.adapters.sql.tables import dead_letters, telemetry
from maeul.benchmarking.cpu import CpuMeter
from maeul.benchmarking.environment import (
    BenchBroker,
    Store,
    bench_broker,
    fresh_database,
    load_publishers,
    newest_stamp_ms,
)
from maeul.benchmarking.figures import IngestRun, Latency, Sustained
from maeul.benchmarking.gcstats import GcMeter
from maeul.benchmarking.latency import LatencySampler, percentile
from maeul.benchmarking.progress import NoProgress, Progress
from maeul.benchmarking.publisher import Client, PublisherGroup
from maeul.benchmarking.workload import TENANT, keys_for, markers
from maeul.platform.app import Platform
from maeul.platform.gc_tuning import tune_for_ingest
from maeul.platform.ingest_workers import IngestWorkers
from maeul.platform.settings import DEFAULT_INGEST_BATCH_ROWS, Settings

DEFAULT_RECEIVE_MAXIMUM: int = Settings.model_fields["mqtt_receive_maximum"].default
CONTROL_INTERVAL_S = 0.005
SAMPLE_INTERVAL_S = 0.5
DRAIN_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class IngestOptions:
    seconds: float = 20.0  # sustained phase (after its warm-up)
    latency_seconds: float = 10.0  # fixed-rate phase (0: skip it)
    devices: int = 1000
    publishers: int = 2
    readings: int = 4
    batch_rows: int = DEFAULT_INGEST_BATCH_ROWS  # Settings.ingest_batch_rows
    queue_rows: int = 200_000  # Settings.ingest_queue_rows
    batch_ms: int = 0  # Settings.ingest_batch_ms
    receive_maximum: int | None = None  # None: Platform.start() with the client's default
    window: int = 10_000  # closed loop: messages at most between publish and Maeul's acknowledgement
    latency_rate: float | None = None  # messages/s of the latency phase; None: half the sustained rate
    markers: int = 20
    poll_ms: float = 10.0
    publisher: Client = "lean"  # the publishers' MQTT client (lean: a few µs a message; paho: ~100 µs)
    workers: int = 0  # Settings.ingest_workers: MQTT receiver processes (0: the client runs in Maeul's process)


def run_ingest(store: Store, options: IngestOptions | None = None, progress: Progress | None = None) -> IngestRun:
    """Run both phases on a fresh ``store`` and return the figures."""
    opts = options or IngestOptions()
    progress = progress or NoProgress()
    with tempfile.TemporaryDirectory(prefix="maeul-bench-e2e-") as tmp_name:
        tmp = Path(tmp_name)
        with bench_broker(tmp / "broker") as broker, fresh_database(store, tmp / "db") as url:
            settings = Settings(
                data_dir=tmp / "data",
                database_url=url,
                mqtt_url=broker.ingest_url,
                mqtt_client_id="maeul-bench-ingest",
                ingest_batch_rows=opts.batch_rows,
                ingest_queue_rows=opts.queue_rows,
                ingest_batch_ms=opts.batch_ms,
                ingest_workers=opts.workers,
                mqtt_receive_maximum=opts.receive_maximum or DEFAULT_RECEIVE_MAXIMUM,
                log_json=False,
                log_level="WARNING",  # receiver processes log at this level (connects would clutter the output)
            )
            platform = Platform.create(settings)
            try:
                device_ids = _create_devices(platform.engine, opts.devices, progress)
                client = _start(platform)
                tune_for_ingest()  # as ``maeul serve`` does
                return _Run(platform, client, broker, url, device_ids, opts, progress).run(store)
            finally:
                platform.stop()


def _create_devices(engine: Engine, count: int, progress: Progress) -> list[int]:
    progress.phase(f"creating {count} devices", count)
    ids: list[int] = []
    try:
        with engine.begin() as conn:
            accounts.create_tenant(conn, TENANT, "벤치마크시", name_en="Benchmark City")
            for n in range(count):
                device, _token = devices.create_device(conn, TENANT, f"bench-{n + 1:06d}")
                ids.append(int(device["id"]))
                if n % 50 == 0:
                    progress.update(n, f"{n} devices")
    finally:
        progress.done()
    return ids


class Receiving(Protocol):
    """What the run needs of ``Platform.mqtt``: the in-process client or the receiver processes."""

    @property
    def acked(self) -> int: ...


def _start(platform: Platform) -> Receiving:
    platform.start()
    assert isinstance(platform.mqtt, MqttIngestClient | IngestWorkers)
    return platform.mqtt


class _Run:
    def __init__(
        self,
        platform: Platform,
        client: Receiving,
        broker: BenchBroker,
        url: str,
        device_ids: list[int],
        opts: IngestOptions,
        progress: Progress,
    ) -> None:
        self.platform, self.client, self.broker, self.url = platform, client, broker, url
        self.device_ids, self.opts, self.progress = device_ids, opts, progress
        self.published = 0

    # -- helpers -----------------------------------------------------------------------------------------

    def _metric(self, name: str) -> float:
        return self.platform.metrics.registry.get_sample_value(name) or 0.0

    def _writer(self) -> tuple[float, float, float, float]:
        """Maeul's own writer metrics so far: (batches, rows, seconds writing, batches that took over 1 s)."""
        batches = self._metric("maeul_ingest_write_seconds_count")
        under = self.platform.metrics.registry.get_sample_value("maeul_ingest_write_seconds_bucket", {"le": "1.0"})
        return (
            batches,
            self._metric("maeul_ingest_batch_rows_sum"),
            self._metric("maeul_ingest_write_seconds_sum"),
            batches - (under or 0.0),
        )

    def _writer_delta(self, before: tuple[float, float, float, float]) -> dict[str, float]:
        now = self._writer()
        batches, rows, seconds, slow = (a - b for a, b in zip(now, before, strict=True))
        return {
            "batches": batches,
            "mean_batch_rows": rows / batches if batches else 0.0,
            "mean_write_ms": 1000 * seconds / batches if batches else 0.0,
            "slow_batches": slow,
        }

    def _stored_rows(self) -> int:
        return int(self._metric("maeul_ingest_readings_total"))

    def _group(self, rate: float | None) -> PublisherGroup:
        opts = self.opts
        return load_publishers(
            self.broker,
            self.device_ids,
            processes=opts.publishers,
            readings=opts.readings,
            window=opts.window,
            rate=rate,
            client=opts.publisher,
            after_ms=newest_stamp_ms(self.platform.engine),
        )

    def _postgres_pids(self, background: bool = False) -> list[int]:
        """This database's backends (or the server's WAL writer, checkpointer and background writer)."""
        if self.platform.engine.dialect.name != "postgresql":
            return []
        where = (
            "backend_type IN ('walwriter', 'checkpointer', 'background writer')"
            if background
            else "datname = current_database()"
        )
        with self.platform.engine.connect() as conn:
            return [int(r[0]) for r in conn.execute(text(f"SELECT pid FROM pg_stat_activity WHERE {where}"))]

    def _meter(self, group: PublisherGroup, extra: dict[str, Callable[[], list[int]]] | None = None) -> CpuMeter:
        """CPU of each party; the database's backends are listed again when the meter starts and stops."""
        groups: dict[str, Callable[[], list[int]]] = {
            "maeul": lambda: [os.getpid()],
            "receivers": self._receiver_pids,
            "broker": self.broker.pids,
            "publishers": group.pids,
        }
        if self.platform.engine.dialect.name == "postgresql":
            groups["postgres"] = self._postgres_pids
            groups["pg-background"] = lambda: self._postgres_pids(background=True)
        groups.update(extra or {})
        return CpuMeter(groups)

    def _receiver_pids(self) -> list[int]:
        return self.client.pids() if isinstance(self.client, IngestWorkers) else []

    def _finish(self, group: PublisherGroup, acked_before: int) -> None:
        """Stop the publishers, then wait until Maeul stored every message the broker accepted."""
        group.stop()
        accepted = group.total_acked()
        self.published += accepted
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while self.client.acked - acked_before < accepted:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Maeul acknowledged {self.client.acked - acked_before} of {accepted} messages "
                    f"within {DRAIN_TIMEOUT_S:.0f}s after publishing stopped"
                )
            time.sleep(0.02)

    # -- phases ------------------------------------------------------------------------------------------

    def run(self, store: Store) -> IngestRun:
        sustained = self.sustained()
        latency = None
        if self.opts.latency_seconds > 0:
            rate = self.opts.latency_rate or sustained.messages_per_s / 2
            latency = self.latency(max(1.0, rate))
        with self.platform.engine.connect() as conn:
            stored = int(conn.execute(select(func.count()).select_from(telemetry)).scalar_one())
            letters = int(conn.execute(select(func.count()).select_from(dead_letters)).scalar_one())
        return IngestRun(
            store=store,
            devices=len(self.device_ids),
            publishers=min(self.opts.publishers, len(self.device_ids)),
            readings=self.opts.readings,
            batch_rows=self.opts.batch_rows,
            receive_maximum=self.opts.receive_maximum or DEFAULT_RECEIVE_MAXIMUM,
            publisher=self.opts.publisher,
            workers=self.opts.workers,
            sustained=sustained,
            latency=latency,
            published=self.published,
            expected_rows=self.published * self.opts.readings,
            stored_rows=stored,
            dead_letters=letters,
        )

    def sustained(self) -> Sustained:
        opts = self.opts
        warmup = min(5.0, max(0.5, opts.seconds * 0.1))
        window = opts.window
        with self._group(None) as group:
            group.start()
            acked_before = self.client.acked
            meter = self._meter(group)
            group.set_credit(window)
            group.go()
            self.progress.phase("sustained ingest (closed loop)", warmup + opts.seconds)
            start = time.monotonic()
            samples: list[tuple[float, int]] = []
            behind = checks = 0
            measuring = False
            gc_meter = GcMeter()
            first_rows = 0
            writer0 = (0.0, 0.0, 0.0, 0.0)
            next_sample = start
            try:
                while True:
                    now = time.monotonic()
                    acked = self.client.acked - acked_before
                    group.set_credit(acked + window)
                    elapsed = now - start
                    if not measuring and elapsed >= warmup:
                        measuring = True
                        first_rows = self._stored_rows()
                        writer0 = self._writer()
                        samples.append((now, first_rows))
                        meter.start()
                        gc_meter.start()
                        next_sample = now + SAMPLE_INTERVAL_S
                    if elapsed >= warmup + opts.seconds:
                        break
                    if now >= next_sample:
                        group.check_alive()
                        stored = self._stored_rows()
                        if measuring:
                            samples.append((now, stored))
                            checks += 1
                            # Less than half the window between publishers and Maeul: the publishers lag.
                            if group.total_sent() - acked < window // 2:
                                behind += 1
                        rate = (stored - first_rows) / (now - samples[0][0]) if measuring and now > samples[0][0] else 0
                        detail = f"{stored:,} rows stored" + (f" · {rate:,.0f} rows/s" if rate else "")
                        self.progress.update(elapsed, detail)
                        next_sample = now + SAMPLE_INTERVAL_S
                    time.sleep(CONTROL_INTERVAL_S)
            finally:
                gc_meter.stop()
                self.progress.done()
            end_rows = self._stored_rows()
            end = time.monotonic()
            samples.append((end, end_rows))
            cpu = meter.stop()
            writer = self._writer_delta(writer0)
            self._finish(group, acked_before)
        return Sustained(
            seconds=end - samples[0][0],
            messages=(end_rows - first_rows) // opts.readings,
            rows=end_rows - first_rows,
            readings=opts.readings,
            window=window,
            publisher_bound=behind / checks if checks else 0.0,
            slowest_10s_rows_per_s=_slowest_window(samples, 10.0),
            cpu=cpu,
            busiest_others=meter.busiest_others,
            batches=int(writer["batches"]),
            mean_batch_rows=writer["mean_batch_rows"],
            mean_write_ms=writer["mean_write_ms"],
            slow_batches=int(writer["slow_batches"]),
            gc_pause_s=gc_meter.pause_s,
            gc_full_collections=gc_meter.collections[2],
        )

    def latency(self, rate: float) -> Latency:
        opts = self.opts
        warmup = min(2.0, max(0.5, opts.latency_seconds * 0.1))
        key = keys_for(opts.readings)[0]
        with self._group(rate) as group:
            group.start()
            acked_before = self.client.acked
            sampler = LatencySampler(
                self.url, markers(self.device_ids, opts.markers), key, time.time_ns() // 1_000_000, opts.poll_ms
            )
            try:
                sampler.wait_ready()
                meter = self._meter(group, {"sampler": lambda: [sampler.pid] if sampler.pid else []})
                go = group.go()
                self.progress.phase(f"latency at {rate:,.0f} messages/s", warmup + opts.latency_seconds)
                start = time.monotonic()
                measured_from = go + warmup
                rows_from, t_from = 0, start
                measuring = False
                gc_meter = GcMeter()
                writer0 = self._writer()
                try:
                    while True:
                        now = time.monotonic()
                        elapsed = now - start
                        if not measuring and elapsed >= warmup:
                            measuring, rows_from, t_from = True, self._stored_rows(), now
                            meter.start()
                            gc_meter.start()
                            writer0 = self._writer()
                        if elapsed >= warmup + opts.latency_seconds:
                            break
                        group.check_alive()
                        self.progress.update(elapsed, f"{self._stored_rows():,} rows stored")
                        time.sleep(0.1)
                finally:
                    gc_meter.stop()
                    self.progress.done()
                writer = self._writer_delta(writer0)
                rows = self._stored_rows() - rows_from
                measured_s = time.monotonic() - t_from
                measured_to = time.time()
                cpu = meter.stop()
                self._finish(group, acked_before)
                time.sleep(max(0.05, 3 * opts.poll_ms / 1000))
            finally:
                samples = sampler.stop()
        # A sample is a marker row published in the measured span (after the warm-up, before the stop).
        low, high = int(measured_from * 1000), int(measured_to * 1000)
        latencies = [ms for ts, ms in samples if low <= ts <= high]
        timeline = []
        for start_ms in range(low, high, 10_000):
            window = [ms for ts, ms in samples if start_ms <= ts < start_ms + 10_000]
            if window:
                entry = ((start_ms - low) / 1000, len(window), percentile(window, 50), float(max(window)))
                timeline.append(entry)
        return Latency(
            offered_messages_per_s=rate,
            achieved_messages_per_s=rows / opts.readings / measured_s if measured_s else 0.0,
            seconds=measured_s,
            samples=len(latencies),
            poll_ms=opts.poll_ms,
            p50_ms=percentile(latencies, 50),
            p95_ms=percentile(latencies, 95),
            p99_ms=percentile(latencies, 99),
            max_ms=max(latencies, default=0),
            cpu=cpu,
            busiest_others=meter.busiest_others,
            timeline=timeline,
            mean_batch_rows=writer["mean_batch_rows"],
            mean_write_ms=writer["mean_write_ms"],
            slow_batches=int(writer["slow_batches"]),
            gc_pause_s=gc_meter.pause_s,
        )


def _slowest_window(samples: list[tuple[float, int]], span_s: float) -> float:
    """The lowest rows/s over any ``span_s`` stretch of the samples (the whole run if shorter)."""
    if len(samples) < 2:
        return 0.0
    total = samples[-1][0] - samples[0][0]
    span = min(span_s, total)
    slowest = float("inf")
    j = 0
    for i in range(len(samples)):
        while j < len(samples) and samples[j][0] - samples[i][0] < span - 1e-9:
            j += 1
        if j == len(samples):
            break
        rate = (samples[j][1] - samples[i][1]) / (samples[j][0] - samples[i][0])
        slowest = min(slowest, rate)
    return 0.0 if slowest == float("inf") else slowest

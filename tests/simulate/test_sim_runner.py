"""The simulator: in-process feeding stores rows, replays store the file's values, pacing holds, stop is clean."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from sim_support import make_tenant, occupancy_test_file, sqlite_platform_in

from maeul.adapters.sql.telemetry_query import latest, raw_series
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.simulate.fleet import SimDevice, ensure_sim_devices
from maeul.simulate.occupancy import read_occupancy
from maeul.simulate.runner import SimConfig, Simulator, start_feeder
from maeul.simulate.transports import InProcessTransport, TransportError

REPLAY_KEYS = ["co2", "humidity", "illuminance", "motion", "temperature"]


class Recorder:
    """A transport that records what it is given; ``fail`` names devices whose messages it refuses."""

    name = "recorder"

    def __init__(self, delay_s: float = 0.0, fail: Sequence[int] = (), open_error: str | None = None) -> None:
        self.delay_s = delay_s
        self.fail = set(fail)
        self.open_error = open_error
        self.lock = threading.Lock()
        self.sent: list[tuple[float, int, dict[str, Any]]] = []
        self.opened = self.closed = False

    def open(self, devices: Sequence[SimDevice]) -> None:
        if self.open_error:
            raise TransportError(self.open_error)
        self.opened = True

    def send(self, device: SimDevice, payload: bytes) -> str | None:
        with self.lock:
            self.sent.append((time.monotonic(), device.id, orjson.loads(payload)))
        if self.delay_s:
            time.sleep(self.delay_s)
        return "refused" if device.id in self.fail else None

    def close(self) -> None:
        self.closed = True


def fake_devices(n: int) -> list[SimDevice]:
    return [SimDevice(i, f"sim-{i:04d}", f"token-{i}") for i in range(1, n + 1)]


@pytest.fixture
def tenant(platform: Platform) -> str:
    """A tenant on the ``platform`` fixture (SQLite and PostgreSQL)."""
    return make_tenant(platform)


@pytest.fixture
def occupancy_file(pytestconfig: pytest.Config) -> Path:
    return occupancy_test_file(pytestconfig)


@pytest.fixture
def sqlite_platform(tmp_path: Path) -> Iterator[Platform]:
    with sqlite_platform_in(tmp_path / "data") as platform:
        yield platform


@pytest.fixture
def sqlite_tenant(sqlite_platform: Platform) -> str:
    return make_tenant(sqlite_platform)


def test_inprocess_feeding_stores_rows(platform: Platform, tenant: str) -> None:
    fleet = ensure_sim_devices(platform, tenant, 5)
    report = Simulator(fleet, InProcessTransport(platform), SimConfig(rate=10, duration_s=2)).run()
    # How many messages fit in 2 s depends on the machine's load; what is sent must all be stored.
    assert 0 < report.sent <= 20
    assert (report.accepted, report.failed, report.readings) == (report.sent, 0, 4 * report.sent)
    assert report.completed and report.transport == "inprocess" and report.mode == "rhythms"
    start = now_ms() - 60_000
    stored = 0
    with platform.engine.connect() as conn:
        for device in fleet:
            series, _ = raw_series(conn, device.id, ["temperature"], start, now_ms() + 1, 100)
            stored += len(series)
            values = latest(conn, device.id)
            if series:
                assert set(values) == {"temperature", "humidity", "illuminance", "motion"}
                assert all(start <= v["ts"] <= now_ms() for v in values.values())
    assert stored == report.sent, "every message sent was stored, one temperature reading each"


def test_replay_stores_exactly_the_file_values(platform: Platform, tenant: str, occupancy_file: Path) -> None:
    rows = list(read_occupancy(occupancy_file, limit=200))
    fleet = ensure_sim_devices(platform, tenant, 1)
    config = SimConfig(rate=2000, duration_s=0, replay=rows, keep_timestamps=True)
    report = Simulator(fleet, InProcessTransport(platform), config).run()
    assert (report.sent, report.accepted, report.readings, report.completed) == (200, 200, 1000, True)
    expected = sorted(
        (key, r.ts_ms, value)
        for r in rows
        for key, value in (
            ("co2", r.co2),
            ("humidity", r.humidity),
            ("illuminance", r.light),
            ("motion", float(r.occupancy)),
            ("temperature", r.temperature),
        )
    )
    with platform.engine.connect() as conn:
        stored, cursor = raw_series(conn, fleet[0].id, REPLAY_KEYS, rows[0].ts_ms, rows[-1].ts_ms + 1, 5000)
    assert cursor is None
    assert stored == expected


def test_replay_shifts_to_now_and_offsets_devices(platform: Platform, tenant: str, occupancy_file: Path) -> None:
    rows = list(read_occupancy(occupancy_file, limit=50))
    fleet = ensure_sim_devices(platform, tenant, 2)
    before = now_ms()
    config = SimConfig(rate=1000, duration_s=0, replay=rows, replay_offset_s=3600)
    report = Simulator(fleet, InProcessTransport(platform), config).run()
    assert report.accepted == 100
    with platform.engine.connect() as conn:
        first = raw_series(conn, fleet[0].id, ["temperature"], 0, now_ms() + 1, 100)[0]
        second = raw_series(conn, fleet[1].id, ["temperature"], 0, now_ms() + 1, 100)[0]
    shift = first[-1][1] - rows[-1].ts_ms
    assert before - 5_000 <= first[-1][1] <= now_ms()  # the newest row lands "now"
    assert [(ts, v) for _k, ts, v in first] == [(r.ts_ms + shift, r.temperature) for r in rows]
    assert [(ts, v) for _k, ts, v in second] == [(r.ts_ms + shift - 3_600_000, r.temperature) for r in rows]


def test_pacing_follows_the_monotonic_clock() -> None:
    recorder = Recorder()
    report = Simulator(fake_devices(3), recorder, SimConfig(rate=40, duration_s=1.5)).run()
    assert report.sent == report.accepted == 60 and recorder.opened and recorder.closed
    t0 = recorder.sent[0][0]
    for k, (at, device_id, _payload) in enumerate(recorder.sent):
        assert device_id == k % 3 + 1  # devices in turn
        assert -0.005 <= at - (t0 + k / 40) < 0.1  # never early, never drifting behind
    assert 1.45 <= report.elapsed_s < 1.8 and report.rate == pytest.approx(40, rel=0.1)


def test_slow_transport_keeps_the_rate_with_concurrency() -> None:
    recorder = Recorder(delay_s=0.1)
    report = Simulator(fake_devices(10), recorder, SimConfig(rate=100, duration_s=1, concurrency=16)).run()
    assert report.sent == report.accepted == 100
    assert report.rate > 80


def test_failures_are_counted_with_reasons() -> None:
    recorder = Recorder(fail=[2])
    report = Simulator(fake_devices(2), recorder, SimConfig(rate=50, duration_s=0, messages=20)).run()
    assert (report.sent, report.accepted, report.failed) == (20, 10, 10)
    assert report.errors == {"refused": 10}


def test_a_message_count_is_sent_whole_however_slow_the_transport() -> None:
    # One message in flight at a time, each taking 50 ms: far behind a rate of 1000/s, yet all 12 go.
    recorder = Recorder(delay_s=0.05)
    config = SimConfig(rate=1000, duration_s=0, messages=12, concurrency=1)
    simulator = Simulator(fake_devices(3), recorder, config)
    assert simulator.stats().planned == 12
    report = simulator.run()
    assert (report.sent, report.accepted, report.completed) == (12, 12, True)
    assert [device_id for _at, device_id, _p in recorder.sent] == [1, 2, 3] * 4


def test_the_duration_still_ends_a_run_with_a_message_count() -> None:
    assert Simulator(fake_devices(1), Recorder(), SimConfig(rate=10, duration_s=1, messages=50)).stats().planned == 10
    assert Simulator(fake_devices(1), Recorder(), SimConfig(rate=10, duration_s=9, messages=5)).stats().planned == 5


def test_time_scale_runs_a_simulated_day_fast() -> None:
    recorder = Recorder()
    before = now_ms()
    Simulator(fake_devices(1), recorder, SimConfig(rate=20, duration_s=1, time_scale=3600)).run()
    stamps = [p["ts"] for _at, _d, p in recorder.sent]
    assert stamps == sorted(stamps) and len(stamps) == 20
    assert stamps[1] - stamps[0] == pytest.approx(180_000, abs=2)  # 1/20 s × 3600
    assert before - 3_600_000 - 5_000 <= stamps[0] <= before - 3_500_000  # an hour ago ...
    assert stamps[-1] <= now_ms()  # ... up to now, never in the future
    assert all(set(p["values"]) == {"temperature", "humidity", "illuminance", "motion"} for _a, _d, p in recorder.sent)


def test_same_seed_same_values() -> None:
    def values(seed: int) -> list[dict[str, Any]]:
        recorder = Recorder()
        config = SimConfig(rate=100, duration_s=0.2, seed=seed, sim_start_ms=1_740_000_000_000, time_scale=600)
        Simulator(fake_devices(2), recorder, config).run()
        return [p for _a, _d, p in recorder.sent]

    assert values(3) == values(3) != values(4)


def test_stop_ends_a_background_run_cleanly() -> None:
    recorder = Recorder(delay_s=0.05)
    simulator = Simulator(fake_devices(4), recorder, SimConfig(rate=50, duration_s=0))
    assert simulator.stats().planned is None
    simulator.start()
    time.sleep(0.5)
    assert simulator.running and simulator.stats().sent > 10
    report = simulator.stop()
    assert report is not None and not report.completed and not simulator.running
    assert report.sent == report.accepted + report.failed and recorder.closed


def test_open_errors_reach_the_caller() -> None:
    with pytest.raises(TransportError, match="nope"):
        Simulator(fake_devices(1), Recorder(open_error="nope"), SimConfig(duration_s=1)).run()
    simulator = Simulator(fake_devices(1), Recorder(open_error="nope"), SimConfig(duration_s=1))
    simulator.start()
    with pytest.raises(TransportError, match="nope"):
        simulator.wait(5)


def test_inprocess_needs_a_started_platform(tmp_path: Path) -> None:
    from maeul.platform.settings import load_settings

    platform = Platform.create(load_settings({}, data_dir=tmp_path))
    try:
        with pytest.raises(TransportError, match="not started"):
            InProcessTransport(platform).open([])
    finally:
        platform.stop()


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        (SimConfig(rate=0), "rate"),
        (SimConfig(rate=float("nan")), "rate"),
        (SimConfig(duration_s=-1), "duration"),
        (SimConfig(time_scale=0), "time scale"),
        (SimConfig(concurrency=0), "concurrency"),
        (SimConfig(messages=0), "message count"),
        (SimConfig(replay=[]), "no rows"),
    ],
)
def test_bad_settings(config: SimConfig, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        Simulator(fake_devices(1), Recorder(), config)


def test_feeder_keeps_feeding_until_stopped(sqlite_platform: Platform, sqlite_tenant: str) -> None:
    feeder = start_feeder(sqlite_platform, sqlite_tenant, devices=3, rate=20)
    try:
        deadline = time.monotonic() + 10
        while feeder.stats().accepted < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        report = feeder.stop()
    assert report is not None and report.accepted >= 6 and report.failed == 0
    with sqlite_platform.engine.connect() as conn:
        assert all(latest(conn, d.id) for d in feeder.devices)

"""The telemetry store's hot path (tuned with the benchmarks) keeps its behaviour on both stores:
duplicates are skipped (the write returns only the new rows' count), latest values are newest-wins, and the
rollups count only new rows - whether a batch takes the all-new fast path or falls back row by row.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from maeul.adapters.sql.engine import is_postgres, make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.partitions import PartitionManager
from maeul.adapters.sql.tables import ROLLUP_TABLES, latest_values, telemetry
from maeul.adapters.sql.telemetry_store import DeviceBatch, TelemetryStore
from maeul.core.readings import Reading
from maeul.core.rollups import PERIODS, bucket_start
from maeul.testing.databases import postgres_available, sqlite_url, temporary_postgres

T0 = 1_763_856_000_000
SEOUL_MS = 9 * 3600 * 1000
ZONES = {"Asia/Seoul": SEOUL_MS, "UTC": 0}  # fixed offsets: the model need not know about DST


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        eng = make_engine(url)
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    problem = postgres_available()
    if problem is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL must be reachable in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    with temporary_postgres() as url:
        eng = make_engine(url)
        upgrade(eng)
        yield eng
        eng.dispose()


class Model:
    """What the store must contain after a sequence of batches, computed the obvious way."""

    def __init__(self) -> None:
        self.raw: dict[tuple[int, str, int], tuple[float | None, str | None]] = {}
        self.latest: dict[tuple[int, str], tuple[int, float | None, str | None]] = {}
        self.rollups: dict[str, dict[tuple[int, str, int], list[float]]] = {p: {} for p in PERIODS}

    def apply(self, batches: list[DeviceBatch]) -> int:
        new = 0
        for batch in batches:
            offset = ZONES[batch.timezone]
            for r in batch.readings:
                k = (batch.device_id, r.key, r.ts)
                if k in self.raw:
                    continue
                num = r.value if isinstance(r.value, float) else None
                text = r.value if isinstance(r.value, str) else None
                self.raw[k] = (num, text)
                new += 1
                current = self.latest.get(k[:2])
                if current is None or r.ts >= current[0]:
                    self.latest[k[:2]] = (r.ts, num, text)
                if num is None:
                    continue
                for period, period_ms in PERIODS.items():
                    bucket = bucket_start(r.ts, period_ms, 0 if period == "minute" else offset)
                    agg = self.rollups[period].setdefault((*k[:2], bucket), [0, num, num, 0.0])
                    agg[0] += 1
                    agg[1], agg[2], agg[3] = min(agg[1], num), max(agg[2], num), agg[3] + num
        return new


def random_batches(rnd: random.Random, history: list[DeviceBatch]) -> list[DeviceBatch]:
    """Fresh messages, redeliveries of old ones, duplicates inside the batch, text values, two zones."""
    batches: list[DeviceBatch] = []
    redelivery = rnd.choice([0.0, 0.0, 0.15])  # two batches in three take the all-new fast path
    for _ in range(rnd.randint(1, 40)):
        roll = rnd.random()
        if history and roll < redelivery:
            batches.append(rnd.choice(history))  # a redelivered message
            continue
        device = rnd.randint(1, 8)
        zone = "UTC" if device % 3 == 0 else "Asia/Seoul"
        ts = T0 + rnd.randint(0, 3 * 86_400_000)
        readings = []
        for key in rnd.sample(["t", "h", "co2", "state"], rnd.randint(1, 4)):
            value: float | str = rnd.choice(["on", "off"]) if key == "state" else round(rnd.uniform(-50, 50), 3)
            readings.append(Reading(key, ts + rnd.choice([0, 0, 1]), value))
        if redelivery and roll > 0.95:
            readings.append(readings[0])  # the same reading twice in one message
        batch = DeviceBatch(device, 30 if device == 5 else 365, zone, readings)
        batches.append(batch)
        history.append(batch)
    return batches


def test_store_matches_the_model_through_redeliveries(engine: Engine) -> None:
    partitions = PartitionManager(engine) if is_postgres(engine) else None
    if partitions is not None:
        partitions.load()
    store = TelemetryStore(partitions.ensure_for_rows if partitions else None)
    model = Model()
    rnd = random.Random(20261123)
    history: list[DeviceBatch] = []
    for _ in range(60):
        batches = random_batches(rnd, history)
        with engine.begin() as conn:
            stored = store.write(conn, batches)
        assert stored == model.apply(batches)
    with engine.connect() as conn:
        raw = {(r.device_id, r.key, r.ts): (r.value_num, r.value_str) for r in conn.execute(select(telemetry))}
        latest = {(r.device_id, r.key): (r.ts, r.value_num, r.value_str) for r in conn.execute(select(latest_values))}
        rollups = {
            period: {(r.device_id, r.key, r.bucket): (r.count, r.min, r.max, r.sum) for r in conn.execute(select(t))}
            for period, t in ROLLUP_TABLES.items()
        }
    assert raw == model.raw
    assert latest == model.latest
    for period, expected in model.rollups.items():
        assert set(rollups[period]) == set(expected), period
        for k, (count, low, high, total) in expected.items():
            got = rollups[period][k]
            assert got[:3] == (count, low, high), (period, k)
            assert math.isclose(got[3], total, rel_tol=1e-9, abs_tol=1e-9), (period, k)


def test_an_all_duplicate_batch_changes_nothing(engine: Engine) -> None:
    partitions = PartitionManager(engine) if is_postgres(engine) else None
    store = TelemetryStore(partitions.ensure_for_rows if partitions else None)
    batch = [DeviceBatch(d, 365, "Asia/Seoul", [Reading("t", T0 + d, float(d)), Reading("h", T0, 1.0)]) for d in (1, 2)]
    with engine.begin() as conn:
        assert store.write(conn, batch) == 4
    with engine.begin() as conn:
        assert store.write(conn, batch) == 0
    with engine.connect() as conn:
        counts = conn.execute(select(ROLLUP_TABLES["day"].c.count)).scalars().all()
    assert sorted(counts) == [1, 1, 1, 1]

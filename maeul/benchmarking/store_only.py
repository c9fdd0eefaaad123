"""A diagnostic between the ceilings and the end-to-end run: Maeul's telemetry store alone.

The same batches the ingest writer commits (``TelemetryStore.write`` in one transaction: raw rows, latest
values, three rollups), with no MQTT and no pipeline; only the time of the transactions is counted. It
separates what the store costs from what receiving and parsing messages costs.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from maeul.adapters.sql.engine import is_postgres, make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.partitions import PartitionManager
from maeul.adapters.sql.telemetry_store import DeviceBatch, TelemetryStore
from maeul.benchmarking.environment import Store, fresh_database
from maeul.benchmarking.figures import InsertCeiling
from maeul.benchmarking.progress import NoProgress, Progress
from maeul.benchmarking.workload import RETENTION_DAYS, keys_for
from maeul.core.readings import Reading
from maeul.platform.settings import DEFAULT_INGEST_BATCH_ROWS

TIMEZONE = "Asia/Seoul"


class DeviceMessages:
    """Batches for writing the store directly (the SQLite diagnostics in ``benchmarks/``): messages of 4 readings
    from ``devices`` devices in turn, each device's messages 0.2 s apart, starting a day ago."""

    def __init__(self, devices: int = 1000) -> None:
        self.devices = devices
        self.keys = keys_for(4)
        self.t0 = time.time_ns() // 1_000_000 - 86_400_000
        self.next = 0

    def batch(self, rows: int) -> list[DeviceBatch]:
        """The next ``rows`` readings (at least one message)."""
        out = []
        for m in range(self.next, self.next + max(1, rows // len(self.keys))):
            ts = self.t0 + m // self.devices * 200
            readings = [Reading(key, ts, float(m % 97) + i) for i, key in enumerate(self.keys)]
            out.append(DeviceBatch(m % self.devices + 1, RETENTION_DAYS, TIMEZONE, readings))
        self.next += len(out)
        return out


def store_throughput(
    store: Store,
    seconds: float,
    *,
    devices: int = 1000,
    readings: int = 4,
    batch_rows: int = DEFAULT_INGEST_BATCH_ROWS,
    progress: Progress | None = None,
) -> InsertCeiling:
    """Rows/s of ``TelemetryStore.write`` + commit on a fresh database, for about ``seconds`` of write time."""
    progress = progress or NoProgress()
    keys = keys_for(readings)
    per_batch = max(1, batch_rows // readings)
    with tempfile.TemporaryDirectory(prefix="maeul-bench-store-") as tmp, fresh_database(store, Path(tmp)) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            partitions = PartitionManager(engine) if is_postgres(engine) else None
            if partitions is not None:
                partitions.load()
            writer = TelemetryStore(partitions.ensure_for_rows if partitions else None)
            t0 = time.time_ns() // 1_000_000
            message = 0
            stored, spent = 0, 0.0
            wall_limit = time.monotonic() + 2 * seconds
            progress.phase(f"{store} Maeul store alone", seconds)
            try:
                while spent < seconds and time.monotonic() < wall_limit:
                    batch = []
                    for m in range(message, message + per_batch):
                        ts = t0 + m // devices
                        values = [Reading(key, ts, float(m % 997) + i) for i, key in enumerate(keys)]
                        batch.append(DeviceBatch(m % devices + 1, RETENTION_DAYS, TIMEZONE, values))
                    message += per_batch
                    started = time.perf_counter()
                    with engine.begin() as conn:
                        stored += writer.write(conn, batch)
                    spent += time.perf_counter() - started
                    progress.update(spent, f"{stored / spent:,.0f} rows/s")
            finally:
                progress.done()
            with engine.connect() as conn:
                verified = int(conn.exec_driver_sql("SELECT count(*) FROM telemetry").scalar_one())
        finally:
            engine.dispose()
    return InsertCeiling(store, "TelemetryStore.write", stored, spent, batch_rows, verified)

"""SQLite telemetry batches while other threads run Python: what each statement's wait for the interpreter costs.

    python benchmarks/sqlite_batch_contention.py --rows 300 --batches 300 --busy-threads 0 --busy-threads 1

Writes batches of ``--rows`` readings (4 per device message, 1,000 devices) with ``TelemetryStore.write`` and a
commit into a fresh SQLite file (after 250,000 rows of history), once per ``--busy-threads`` value, each time with
that many threads spinning in pure Python beside the writer, as the platform's bridges, rule thread and dispatchers
do. Prints the time per batch (mean, p50, p90) and per row. Each statement the ``sqlite3`` module runs releases the
interpreter lock and must take it back; with a busy thread that can take a whole switch interval (5 ms), so the
time per batch under contention grows with the number of statements per batch. No target: a diagnostic for
docs/performance.md (alerts, run 6), compared with the uncontended time of the same batches.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.telemetry_store import TelemetryStore
from maeul.benchmarking.store_only import DeviceMessages

HISTORY_ROWS = 250_000
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _spin(stop: threading.Event) -> None:
    x = 0
    while not stop.is_set():
        for i in range(1000):
            x += i


def _measure(rows: int, batches: int, busy: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="maeul-bench-contention-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'maeul.db'}")
        try:
            upgrade(engine)
            store, work = TelemetryStore(), DeviceMessages()
            for _ in range(HISTORY_ROWS // 5000):
                with engine.begin() as conn:
                    store.write(conn, work.batch(5000))
            stop = threading.Event()
            spinners = [threading.Thread(target=_spin, args=(stop,), name=f"spin-{n}") for n in range(busy)]
            for thread in spinners:
                thread.start()
            times: list[float] = []
            try:
                for _ in range(batches):
                    batch = work.batch(rows)
                    started = time.perf_counter()
                    with engine.begin() as conn:
                        store.write(conn, batch)
                    times.append(time.perf_counter() - started)
            finally:
                stop.set()
                for thread in spinners:
                    thread.join()
        finally:
            engine.dispose()
    return times


@app.command()
def main(
    rows: Annotated[int, typer.Option(min=4, help="readings per batch")] = 300,
    batches: Annotated[int, typer.Option(min=10, help="batches measured per setting")] = 300,
    busy_threads: Annotated[list[int] | None, typer.Option(help="threads spinning beside the writer")] = None,
) -> None:
    """Print the time per batch and per row for each number of busy threads."""
    for busy in busy_threads or [0, 1]:
        times = sorted(_measure(rows, batches, busy))
        mean = statistics.fmean(times)
        print(
            f"{rows} rows/batch, {busy} busy thread(s): mean {mean * 1000:.2f} ms, p50 "
            f"{times[len(times) // 2] * 1000:.2f} ms, p90 {times[int(len(times) * 0.9)] * 1000:.2f} ms per batch; "
            f"{mean / rows * 1e6:.1f} µs per row"
        )


if __name__ == "__main__":
    app()

"""Where a SQLite telemetry batch spends its time: staging, each statement of the flush trigger, the commit.

    python benchmarks/sqlite_write_parts.py --rows 20000 --batches 150

Writes ``--batches`` batches of ``--rows`` readings (4 per device message, 1,000 devices, as the ingestion
benchmark) into a fresh SQLite file with Maeul's engine and migrations, statement by statement: the padded staging
statements, then each statement of the body of ``SqliteBulk.FLUSH_TRIGGER`` run on its own (the trigger runs the
same statements in one go), then the commit; a passive checkpoint follows each batch outside the timing, as the
platform's checkpointer thread does. Prints the mean time of each part over the last two thirds of the batches
(the table has grown by then) and the rows/s of the whole. No target: a diagnostic for docs/performance.md; the
statements are read from the code, so the same command measures any version of it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.sqlite_multirow import execute_padded
from maeul.adapters.sql.telemetry_sql import SqliteBulk
from maeul.adapters.sql.telemetry_store import PreparedWrite
from maeul.benchmarking.store_only import DeviceMessages

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def trigger_body(trigger: str) -> list[str]:
    """The statements between ``BEGIN`` and ``END`` of a ``CREATE TRIGGER``, each runnable on its own (the
    temporary tables named in full, as outside a trigger body)."""
    body = trigger[trigger.index(" BEGIN ") + len(" BEGIN ") : trigger.rindex("; END")]
    statements = [s.strip() for s in body.split("; ") if s.strip()]
    return [s.replace(" maeul_telemetry_", " temp.maeul_telemetry_") for s in statements]


def _label(statement: str) -> str:
    words = statement.split()
    return " ".join(words[:3]).replace("temp.", "")


def _measure(rows: int, batches: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="maeul-bench-parts-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'maeul.db'}")
        try:
            upgrade(engine)
            writer: Any = engine.raw_connection()
            checkpointer: Any = engine.raw_connection()
            cursor = writer.driver_connection.cursor()
            SqliteBulk.prepare(cursor)
            body = trigger_body(SqliteBulk.FLUSH_TRIGGER)
            times: dict[str, list[float]] = {"stage": [], **{_label(s): [] for s in body}, "commit": [], "total": []}
            messages = DeviceMessages()
            for _ in range(batches):
                prepared = PreparedWrite(postgres=False)
                for batch in messages.batch(rows):
                    prepared.add(batch)
                started = time.perf_counter()
                cursor.execute("BEGIN")
                execute_padded(cursor, SqliteBulk.STAGE_MANY, prepared.rows, 7)
                times["stage"].append(time.perf_counter() - started)
                for statement in body:
                    at = time.perf_counter()
                    cursor.execute(statement)
                    times[_label(statement)].append(time.perf_counter() - at)
                at = time.perf_counter()
                cursor.execute("COMMIT")
                times["commit"].append(time.perf_counter() - at)
                times["total"].append(time.perf_counter() - started)
                checkpointer.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            writer.close()
            checkpointer.close()
        finally:
            engine.dispose()
    return times


@app.command()
def main(
    rows: Annotated[int, typer.Option(min=4, help="readings per batch")] = 20_000,
    batches: Annotated[int, typer.Option(min=3, help="batches written")] = 150,
) -> None:
    """Print the mean time of each part of a batch's write, and the rows/s of the whole."""
    times = _measure(rows, batches)
    skip = batches // 3
    for part, values in times.items():
        mean = statistics.fmean(values[skip:])
        print(f"{part:<40} {mean * 1000:8.1f} ms")
    total = statistics.fmean(times["total"][skip:])
    print(f"{rows} rows per batch, {batches} batches: {rows / total:,.0f} rows/s over the last {batches - skip}")


if __name__ == "__main__":
    app()

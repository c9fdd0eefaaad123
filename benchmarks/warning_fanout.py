"""Warning fan-out: from the reading that changes a station's stage to the warning handed to every channel.

    python benchmarks/warning_fanout.py --store sqlite|postgres|both --residents 100000 --runs 3

A real platform (ingest writer, warnings engine, notification dispatchers all running) with ``--residents``
confirmed subscribers in a station's warning area. Each run creates a station and sends it one HTTP reading
above 심각's threshold; the time runs from handing the reading to the ingest pipeline until the CAP message's
fan-out has finished (``fanout_ms`` set): on SQLite in the message's own transaction, on PostgreSQL when the last
of its parallel parts has committed (see maeul/services/warnings/fanout.py). Checks afterwards: one outbox row per
resident and message, none twice. Each run prints the load average (the machine may be shared).
Target (issue 7): under 5 s for 100,000 residents. See docs/performance.md.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select

from maeul.adapters.sql import accounts
from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.core.districts import parse_feature_collection
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.services.warnings import bulk, stations
from maeul.services.warnings.tables import messages
from maeul.testing.databases import sqlite_url, temporary_postgres

TARGET_S = 5.0
TENANT = "namyangju"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "kr-districts"
console = Console()
logging.getLogger("maeul").setLevel(logging.ERROR)  # undelivered e-mail (no server configured) is expected here
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _districts() -> dict[str, object]:
    found = SHARED / "namyangju-submunicipalities-2018.geojson"
    if found.exists():
        doc = orjson.loads(found.read_bytes())
        for feature in doc["features"]:
            props = feature["properties"]
            props.setdefault("name_en", props.get("name_eng"))
        return dict(doc)
    square = [[127.2, 37.5], [127.3, 37.5], [127.3, 37.6], [127.2, 37.6], [127.2, 37.5]]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "3113011", "name": "와부읍"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }


def run_store(store: str, residents: int, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        if store == "postgres":
            with temporary_postgres("maeul_bench") as url:
                return _measure(url, Path(tmp), residents, runs, store)
        return _measure(sqlite_url(Path(tmp)), Path(tmp), residents, runs, store)


def _measure(url: str, tmp: Path, residents: int, runs: int, store: str) -> list[float]:
    platform = Platform.create(load_settings({}, data_dir=tmp / "data", database_url=url))
    platform.start(mqtt=False)
    try:
        items, errors = parse_feature_collection(_districts())
        assert not errors, errors
        area = [d.code for d in items[:2]]
        with platform.engine.begin() as conn:
            accounts.create_tenant(conn, TENANT, "남양주시", name_en="Namyangju-si")
            district_repo.replace_districts(conn, TENANT, items)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{store}: subscribing residents / 주민 구독", total=residents)
            done = 0
            while done < residents:
                step = min(20_000, residents - done)
                with platform.engine.begin() as conn:
                    bulk.add_confirmed(conn, TENANT, step, area, 0)
                done += step
                progress.update(task, completed=done)
        figures: list[float] = []
        for run in range(runs):
            with platform.engine.begin() as conn:
                _station, token = stations.create_station(
                    conn,
                    TENANT,
                    name=f"bench-{run}",
                    kind="river_level",
                    district_codes=area,
                    district_code=area[0],
                    now=int(time.time() * 1000),
                )
            with platform.engine.connect() as conn:
                before = int(conn.execute(select(func.coalesce(func.max(messages.c.id), 0))).scalar_one())
            payload = orjson.dumps({"ts": int(time.time() * 1000), "values": {"water_level": 6.0}})
            started = time.perf_counter()
            platform.ingest.submit_http(token, payload)
            while True:  # until the message's fan-out has finished (fanout_ms is set when the last part commits)
                with platform.engine.connect() as conn:
                    row = conn.execute(
                        select(messages.c.id, messages.c.recipients, messages.c.fanout_ms).where(
                            messages.c.id > before, messages.c.fanout_ms.is_not(None)
                        )
                    ).first()
                if row is not None:
                    break
                time.sleep(0.005)
            elapsed = time.perf_counter() - started
            with platform.engine.connect() as conn:
                rows = conn.execute(
                    select(func.count(), func.count(func.distinct(notify_outbox.c.recipient))).where(
                        notify_outbox.c.id.like(f"w{row.id}.s%")
                    )
                ).one()
            assert rows[0] == rows[1] == residents == row.recipients, (tuple(rows), row.recipients)
            figures.append(elapsed)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            console.print(
                f"{store} run {run + 1}: reading → {row.recipients:,} residents handed to the outbox in "
                f"{elapsed:.2f} s (fan-out {row.fanout_ms} ms); none twice; load average {load}"
            )
        return figures
    finally:
        platform.stop()


@app.command()
def main(
    store: Annotated[str, typer.Option(help="sqlite, postgres or both")] = "both",
    residents: Annotated[int, typer.Option(min=1)] = 100_000,
    runs: Annotated[int, typer.Option(min=1)] = 3,
) -> None:
    stores = ["sqlite", "postgres"] if store == "both" else [store]
    for name in stores:
        figures = run_store(name, residents, runs)
        worst = max(figures)
        verdict = "OK" if worst < TARGET_S else "OVER"
        console.print(
            f"[bold]{name}[/]: stage change → warning handed to {residents:,} residents: median "
            f"{statistics.median(figures):.2f} s, worst {worst:.2f} s (target < {TARGET_S:g} s) {verdict}"
        )


if __name__ == "__main__":
    app()

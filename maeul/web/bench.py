"""How fast the console's pages render: ``python -m maeul.web.bench [--devices N] [--repeat R]``.

Builds a throw-away SQLite install with N located devices (one reading each, a tenth with an active alarm),
signs in through the sign-in form and times each page through the ASGI app in process (no network), printing the
median and 95th percentile per page. Figures are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from rich.console import Console
from rich.progress import track
from rich.table import Table

from maeul.adapters.http.app import create_app
from maeul.adapters.sql import accounts
from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql.alarms import raise_alarm
from maeul.core.alarms import Occurrence, Severity
from maeul.core.roles import Role
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.platform.settings import load_settings

PAGES = [
    "/console",
    "/console/map/devices.geojson",
    "/console/devices",
    "/console/devices/1",
    "/console/alarms",
    "/console/alarms/rows",
    "/portal",
]


def run(devices: int, repeat: int) -> Table:
    console = Console(stderr=True)
    with tempfile.TemporaryDirectory() as tmp:
        platform = Platform.create(load_settings({}, data_dir=Path(tmp), services=""))
        platform.start(mqtt=False)
        try:
            with platform.engine.begin() as conn:
                accounts.create_tenant(conn, "bench", "벤치시")
                accounts.create_user(conn, "bench", "admin", Role.ADMIN, password="bench-password")
                keys = [{"key": "temperature", "type": "number"}]
                profile = device_repo.create_profile(conn, "bench", "sensor", keys)
                tokens = []
                for i in track(range(devices), description="devices", console=console):
                    device, token = device_repo.create_device(
                        conn, "bench", f"d{i}", profile=profile["id"], lon=127 + i * 1e-4, lat=37.6
                    )
                    tokens.append((device["id"], token))
                    if i % 10 == 0:
                        occurrence = Occurrence("bench", "device", device["id"], "hot", Severity.MAJOR, now_ms(), {})
                        raise_alarm(conn, occurrence)
            for _device_id, token in track(tokens, description="readings", console=console):
                platform.ingest.submit_http(token, orjson.dumps({"temperature": 21.5}))
            table = Table(title=f"console pages, {devices} devices, {repeat} requests each (ms)")
            for column in ("page", "median", "p95"):
                table.add_column(column)
            with TestClient(create_app(platform, manage_lifecycle=False), headers={"Accept": "text/html"}) as client:
                client.get("/console/sign-in")
                form = {"csrf": client.cookies["maeul_csrf"], "username": "admin", "password": "bench-password"}
                assert client.post("/console/sign-in", data=form, follow_redirects=False).status_code == 303
                for page in track(PAGES, description="pages", console=console):
                    samples = []
                    for _ in range(repeat):
                        started = time.perf_counter()
                        response = client.get(page)
                        samples.append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200, (page, response.status_code)
                    samples.sort()
                    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
                    table.add_row(page, f"{statistics.median(samples):.1f}", f"{p95:.1f}")
            return table
        finally:
            platform.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    Console().print(run(args.devices, args.repeat))


if __name__ == "__main__":
    main()

"""Open311 figures (in process, SQLite in a temporary directory): POST of a request, GET of 1000 requests.

.venv/bin/python benchmarks/complaints_open311.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from rich.progress import track

from maeul.adapters.http.app import create_app
from maeul.adapters.sql import accounts
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.services.complaints import config_repo
from maeul.services.complaints.setup import seed_categories


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({}, data_dir=Path(tmp), services="complaints")
        platform = Platform.create(settings)
        platform.start(mqtt=False)
        try:
            with platform.engine.begin() as conn:
                accounts.create_tenant(conn, "namyangju", "남양주시")
                seed_categories(conn, "namyangju")
                key = config_repo.create_key(conn, "namyangju", "bench")["api_key"]
            with TestClient(create_app(platform, manage_lifecycle=False)) as client:
                post_ms = []
                for i in track(range(args.requests), description="POST requests.json"):
                    form = {"jurisdiction_id": "namyangju", "api_key": key, "service_code": "road_damage",
                            "lat": "37.63", "long": "127.21", "description": f"도로에 구멍 {i}"}  # fmt: skip
                    start = time.perf_counter()
                    response = client.post("/open311/v2/requests.json", data=form)
                    post_ms.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, response.text
                for fmt in ("json", "xml"):
                    runs = []
                    for _ in range(10):
                        start = time.perf_counter()
                        response = client.get(f"/open311/v2/requests.{fmt}?jurisdiction_id=namyangju&page_size=1000")
                        runs.append((time.perf_counter() - start) * 1000)
                        assert response.status_code == 200
                    print(
                        f"GET requests.{fmt} ({min(args.requests, 1000)} rows): median {statistics.median(runs):.1f} ms"
                    )
                print(
                    f"POST requests.json: median {statistics.median(post_ms):.1f} ms, "
                    f"p95 {sorted(post_ms)[int(len(post_ms) * 0.95)]:.1f} ms over {len(post_ms)}"
                )
        finally:
            platform.stop()


if __name__ == "__main__":
    main()

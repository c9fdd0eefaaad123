"""Latency of the care API on a running demo: ``python benchmarks/care_service.py [--url U] [--data D]``.

Reads the demo's API token from ``<data>/demo-credentials.json``, calls each endpoint ``--repeat`` times over
HTTP on the loopback interface and prints median and worst latency, then the time of one status re-evaluation of
every home and of one PDF export of the pilot evaluation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from pathlib import Path

PATHS = ("households", "households/1/personal", "responses", "reports/evaluation", "rollout")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    token = json.loads((args.data / "demo-credentials.json").read_text(encoding="utf-8"))["api_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def call(path: str, method: str = "GET") -> float:
        request = urllib.request.Request(f"{args.url}/api/v1/care/{path}", headers=headers, method=method)
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
        return (time.perf_counter() - start) * 1000

    print(f"{'endpoint':40} {'median ms':>10} {'max ms':>10}")
    for path in PATHS:
        times = [call(path) for _ in range(args.repeat)]
        print(f"GET /api/v1/care/{path:23} {statistics.median(times):10.1f} {max(times):10.1f}")
    print(f"POST /api/v1/care/status/evaluate (every home): {call('status/evaluate', 'POST'):.1f} ms")
    print(f"GET /api/v1/care/reports/evaluation?format=pdf: {call('reports/evaluation?format=pdf'):.1f} ms")


if __name__ == "__main__":
    main()

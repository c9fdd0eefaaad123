"""Alert latency (MQTT publish → webhook received) at half capacity, and no-data ticks over 200,000 devices.

    python benchmarks/alert_latency.py --store sqlite|postgres|both --seconds 60 --json benchmarks/results/X.json

Prints each figure beside its target (issue 3: p99 < 500 ms; a no-data tick < 1 s). The same as
``maeul bench alerts``, with a longer default alerting phase. See docs/performance.md.
"""

from __future__ import annotations

import typer

from maeul.benchmarking.alert_cli import register

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
register(app)

if __name__ == "__main__":
    app()

"""End-to-end MQTT ingestion beside its two ceilings, on this machine, in one run.

    python benchmarks/ingest_mqtt.py --store sqlite|postgres|both --seconds 300

Prints each figure beside the ceiling or target it is compared with (see benchmarks/README.md); the same
command as ``maeul bench``, with longer default durations.
"""

from __future__ import annotations

import typer

from maeul.cli.bench import SCRIPT, register

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
register(app, SCRIPT)

if __name__ == "__main__":
    app()

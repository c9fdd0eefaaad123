"""Garbage-collector settings for a process that ingests telemetry (``maeul serve``, ingest workers, the bench).

Ingestion allocates several container objects per message (decoded JSON, readings, the MQTT client's
packet objects) that almost all die young, by reference counting. With CPython's default thresholds the
cyclic collector still runs a young collection every 700 allocations and, every few seconds, a full one
that walks every object of the process - most of them the modules, SQLAlchemy metadata and caches loaded
at start, which never become garbage. Measured on the ingestion benchmark, full collections took 15-17 %
of the ingest process's time.

:func:`tune_for_ingest` moves what exists at start out of the collector's sight (``gc.freeze``) and makes
collections rarer. Cycles are still collected; memory stays bounded by the ingest queue's row budget.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython's default: 700)
OLDER_THRESHOLDS = (20, 50)  # young collections per middle one, middle ones per full one (default: 10, 10)


def tune_for_ingest() -> None:
    """Freeze the objects created so far (start-up) and raise the collection thresholds; call once, at start."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)

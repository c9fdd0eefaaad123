"""Garbage-collector settings for processes that ingest telemetry (``maeul serve``, the demo, ingest workers).

Ingestion allocates several container objects per message (decoded JSON, readings, the MQTT client's
packet objects) that almost all die young, by reference counting. With CPython's default thresholds the
cyclic collector still runs a young collection every 700 allocations and, every few seconds, a full one
that walks every object of the process - most of them the modules, SQLAlchemy metadata and caches loaded
at start, which never become garbage. Measured on the ingestion benchmark, full collections took 15-17 %
of the ingest process's time; on the alert benchmark, without this tuning, one full collection every 1.4 s
held every thread of the platform for about 140 ms (10 % of the time), straight into the alert latency.

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

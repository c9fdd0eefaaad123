"""The service's running parts per platform: the on-ingest engine (created on first use, started by on_start)."""

from __future__ import annotations

import threading

from maeul.platform.app import Platform
from maeul.services.warnings.engine import WarningsEngine

_ENGINES: dict[int, WarningsEngine] = {}
_LOCK = threading.Lock()


def engine_for(platform: Platform) -> WarningsEngine:
    with _LOCK:
        found = _ENGINES.get(id(platform))
        if found is None or found.engine is not platform.engine:
            found = WarningsEngine(platform.engine)
            _ENGINES[id(platform)] = found
        return found


def start(platform: Platform) -> None:
    engine = engine_for(platform)
    engine.start()
    if engine.submit not in platform.ingest.after_commit:
        platform.ingest.after_commit.append(engine.submit)


def stop(platform: Platform) -> None:
    with _LOCK:
        engine = _ENGINES.pop(id(platform), None)
    if engine is None:
        return
    if engine.submit in platform.ingest.after_commit:
        platform.ingest.after_commit.remove(engine.submit)
    engine.stop()

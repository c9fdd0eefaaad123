"""The on-ingest hook: after each committed ingest batch, the readings of stations go through the stage core;
a stage change issues, updates or clears the station's warning and hands it to the residents, all in one
transaction per station (the state row is locked on PostgreSQL, so two workers never decide twice).

Why an own hook rather than a rule kind of the core rule runner: rules raise and clear boolean alarms of one
severity per device, while a station moves through four stages with a forecast window and a hold time of its
own, and each change must produce a CAP message and a fan-out to an area. The hook costs the ingest writer
one set look-up per batch; the work runs on the service's own thread, in order.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine

from maeul.adapters.sql.telemetry_store import DeviceBatch
from maeul.platform.clock import now_ms
from maeul.services.warnings import alerts, fanout, stations
from maeul.services.warnings.core.kinds import KINDS, stage_values
from maeul.services.warnings.core.stages import Assessment, StageConfig, step

log = logging.getLogger("maeul.warnings")
RESUME_EVERY_S = 30.0  # after a fan-out failed, how often to try the unfinished ones again


def _instants(batches: Sequence[DeviceBatch]) -> dict[int, dict[int, dict[str, float]]]:
    """device → ts → key → numeric value."""
    out: dict[int, dict[int, dict[str, float]]] = {}
    for batch in batches:
        per_device = out.setdefault(batch.device_id, {})
        for reading in batch.readings:
            value = reading.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            per_device.setdefault(reading.ts, {})[reading.key] = float(value)
    return out


def evaluate_station(
    conn: Connection, station_id: int, instants: dict[int, dict[str, float]], now: int
) -> list[dict[str, Any]]:
    """Step the station through the readings (time order); returns the CAP messages issued."""
    locked = stations.lock_station(conn, station_id)
    if locked is None:
        return []
    station, state = locked
    kind = KINDS[station["kind"]]
    config = StageConfig.from_json(station["config"])
    issued: list[dict[str, Any]] = []
    last: Assessment | None = None
    for ts in sorted(instants):
        value = stage_values(kind, instants[ts])
        if value is None:
            continue
        state, assessment = step(config, state, ts, value)
        if assessment.reason == "stale":
            continue
        last = assessment
        if assessment.changed:
            issued.extend(_issue(conn, station, kind.category, kind.event_ko, kind.event_en, config, assessment, now))
    stations.save_state(conn, station_id, state, None if last is None else last.to_json(), now)
    return issued


def _issue(
    conn: Connection,
    station: dict[str, Any],
    category: str,
    event_ko: str,
    event_en: str,
    config: StageConfig,
    a: Assessment,
    now: int,
) -> list[dict[str, Any]]:
    reading = alerts.Reading(
        station_ko=station["name"],
        station_en=station["name_en"],
        value=a.value,
        unit=station["unit"],
        forecast=None if a.trend is None else round(a.trend.forecast, 3),
        horizon_min=config.horizon_s // 60,
        certainty="Observed" if a.observed >= a.stage else "Likely",
        ts=a.ts,
        lon=station["lon"],
        lat=station["lat"],
    )
    active = alerts.active_for_station(conn, station["id"])
    if active is None:
        if a.stage == 0:
            return []
        values = {
            "station_id": station["id"],
            "origin": "station",
            "status": "Actual",
            "category": category,
            "event_ko": event_ko,
            "event_en": event_en,
            "district_codes": list(station["district_codes"]),
            "polygon": station["polygon"],
        }
        _alert, message = alerts.start_alert(conn, station["tenant_id"], values, a.stage, now, reading=reading)
        return [message]
    _alert, message = alerts.change_stage(conn, active, a.stage, now, reading=reading)
    return [message]


class WarningsEngine:
    """Receives the ingest writer's committed batches and evaluates the stations among them on its own thread."""

    def __init__(self, engine: Engine, clock: Callable[[], int] = now_ms) -> None:
        self.engine = engine
        self.clock = clock
        self._queue: queue.Queue[list[DeviceBatch] | None] = queue.Queue(maxsize=1000)
        self._stations: dict[int, int] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.issued = 0  # messages issued since start (for tests and the benchmark)
        self.idle = threading.Event()
        self.idle.set()
        self._deferred: list[tuple[int, int]] = []  # (message id, publish start ms): fan-outs to run after commit
        self._resume = True  # look for unfinished fan-outs (at start, and after one failed)
        self._fanout = fanout.ParallelFanOut(engine, alerts.deferred_range, alerts.deferred_part)
        self._after_commit = fanout.AfterCommit(engine, self.defer)
        self._after_commit.install()

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = 0.0

    def _station_of(self, device_ids: set[int]) -> dict[int, int]:
        with self._lock:
            stale = time.monotonic() - self._loaded_at > (1.0 if device_ids - set(self._stations) else 30.0)
        if stale:
            with self.engine.connect() as conn:
                found = stations.station_device_ids(conn)
            with self._lock:
                self._stations, self._loaded_at = found, time.monotonic()
        return {d: self._stations[d] for d in device_ids if d in self._stations}

    def submit(self, batches: list[DeviceBatch]) -> None:
        """Called by the ingest writer after its commit: keep only stations' readings, queue them."""
        if self._thread is None:
            return
        wanted = self._station_of({b.device_id for b in batches})
        mine = [b for b in batches if b.device_id in wanted]
        if mine:
            self.idle.clear()
            self._queue.put(mine)

    def defer(self, pending: list[tuple[int, int]]) -> None:
        """Fan-outs a committed transaction left to run in parallel parts (fanout.AfterCommit calls this)."""
        with self._lock:
            self._deferred.extend(pending)
        if self._thread is not None:  # the service's thread runs them; otherwise the next process() call does
            self.idle.clear()
            self._queue.put([])

    def finish_fanouts(self) -> int:
        """Run the deferred fan-outs now, on the caller's thread; returns how many were finished."""
        with self._lock:
            pending, self._deferred = self._deferred, []
        done = 0
        for message_id, started_ms in pending:
            try:
                self._fanout.complete(message_id, started_ms)
                done += 1
            except Exception:  # left unfinished in the database: resume() hands out the rest
                log.exception("fan-out of warning message %s failed; it will be resumed", message_id)
                self._resume = True
        return done

    def process(self, batches: Sequence[DeviceBatch]) -> list[dict[str, Any]]:
        """Evaluate now, on the caller's thread, then finish the fan-outs it deferred; returns the messages issued."""
        by_device = _instants(batches)
        station_of = self._station_of(set(by_device))
        issued: list[dict[str, Any]] = []
        for device_id, instants in by_device.items():
            station_id = station_of.get(device_id)
            if station_id is None:
                continue
            with self.engine.begin() as conn:
                issued.extend(evaluate_station(conn, station_id, instants, self.clock()))
        self.issued += len(issued)
        self.finish_fanouts()
        return issued

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="maeul-warnings", daemon=True)
            self._thread.start()
            self.idle.clear()
            self._queue.put([])  # first of all: finish any fan-out a stop or a crash interrupted

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._after_commit.remove()
        self._fanout.close()

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=RESUME_EVERY_S if self._resume else None)
            except queue.Empty:
                item = []
            if item is None:
                return
            try:
                if self._resume:
                    self._resume = False
                    if self._fanout.resume() < 0:
                        self._resume = True
                self.process(item)
            except Exception:  # one bad batch must not stop the warnings
                log.exception("warning evaluation failed for a batch")
            finally:
                if self._queue.empty():
                    self.idle.set()

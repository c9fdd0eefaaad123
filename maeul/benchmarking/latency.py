"""Publish-to-queryable latency: a separate process polls the store for the rows of a few marker devices.

Every ``poll_ms`` the sampler reads the marker devices' ``latest_values`` (a small table: a cheap query);
when a device's latest timestamp moved, it reads that device's new ``telemetry`` rows (written in the same
transaction, so visible at the same moment). A row's latency is the time of the poll that first showed it
minus its ``ts`` (the instant the publisher handed the message to its MQTT client): an upper bound with a
resolution of one polling interval plus one query. Polling ``telemetry`` itself for all markers at once
cost PostgreSQL ~10 ms per query (a partitioned table), which at 100 polls a second took CPU from the system
being measured. The sampler is a process of its own (``spawn``), sharing no interpreter lock with Maeul,
and reads like any client would: through a plain DBAPI connection.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import sqlite3
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

from maeul.benchmarking.workload import RETENTION_DAYS


@dataclass(frozen=True, slots=True)
class SamplerSpec:
    url: str  # SQLAlchemy URL of the store
    device_ids: tuple[int, ...]
    key: str
    since_ms: int  # rows older than this are not samples
    poll_ms: float


@dataclass(frozen=True, slots=True)
class _Queries:
    conn: Any
    latest: str  # parameters: key
    rows: str  # parameters: device_id, key, after ts, up to ts


def _queries(spec: SamplerSpec) -> _Queries:
    """A read connection to the store of ``spec.url`` and the two queries."""
    url = make_url(spec.url)
    marks = ", ".join(str(int(d)) for d in spec.device_ids)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        conn: Any = sqlite3.connect(url.database, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        return _Queries(
            conn,
            f"SELECT device_id, ts FROM latest_values WHERE device_id IN ({marks}) AND key = ?",
            "SELECT ts FROM telemetry WHERE device_id = ? AND key = ? AND ts > ? AND ts <= ?",
        )
    import psycopg

    conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
    return _Queries(
        conn,
        f"SELECT device_id, ts FROM latest_values WHERE device_id IN ({marks}) AND key = %s",
        f"SELECT ts FROM telemetry WHERE retention_days = {RETENTION_DAYS} AND device_id = %s AND key = %s "
        "AND ts > %s AND ts <= %s",
    )


def sampler_main(spec: SamplerSpec, stop_flag: Any, ready: Any, out: multiprocessing.connection.Connection) -> None:
    """Entry point of the sampler process: poll until ``stop_flag``, then send (ts, latency ms) pairs to ``out``."""
    try:
        latencies = _sample(spec, stop_flag, ready)
        out.send(latencies)
    except Exception:
        traceback.print_exc(file=sys.stderr)
        out.send(None)
        sys.exit(3)
    finally:
        out.close()


def _sample(spec: SamplerSpec, stop_flag: Any, ready: Any) -> list[tuple[int, int]]:
    q = _queries(spec)
    last = dict.fromkeys(spec.device_ids, spec.since_ms)
    latencies: list[tuple[int, int]] = []  # (ts, latency in ms)
    interval = spec.poll_ms / 1000
    polls, poll_s = 0, 0.0
    ready.value = 1
    try:
        while not stop_flag.value:
            started = time.monotonic()
            moved = [(d, ts) for d, ts in q.conn.execute(q.latest, (spec.key,)).fetchall() if ts > last[d]]
            seen_ms = time.time_ns() // 1_000_000
            polls += 1
            poll_s += time.monotonic() - started
            for device_id, newest in moved:
                for (ts,) in q.conn.execute(q.rows, (device_id, spec.key, last[device_id], newest)).fetchall():
                    latencies.append((ts, seen_ms - ts))
                last[device_id] = newest
            pause = interval - (time.monotonic() - started)
            if pause > 0:
                time.sleep(pause)
    finally:
        q.conn.close()
    print(f"latency sampler: {polls} polls, {1000 * poll_s / max(polls, 1):.2f} ms each", file=sys.stderr)
    return latencies


class LatencySampler:
    """Run :func:`sampler_main` in a spawned process; :meth:`stop` returns (ts, latency ms) per marker row."""

    def __init__(self, url: str, device_ids: Sequence[int], key: str, since_ms: int, poll_ms: float = 10.0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.spec = SamplerSpec(url, tuple(device_ids), key, since_ms, poll_ms)
        self._stop = ctx.Value("b", 0, lock=False)
        self._ready = ctx.Value("b", 0, lock=False)
        self._recv, send = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=sampler_main, args=(self.spec, self._stop, self._ready, send), name="maeul-bench-sampler"
        )
        self.process.start()
        send.close()

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not self._ready.value:
            if not self.process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the latency sampler did not start (see its stderr)")
            time.sleep(0.02)

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def stop(self, timeout_s: float = 30.0) -> list[tuple[int, int]]:
        self._stop.value = 1
        result: list[tuple[int, int]] | None = None
        if self._recv.poll(timeout_s):
            result = self._recv.recv()
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self._recv.close()
        if result is None:
            raise RuntimeError("the latency sampler failed (see its stderr)")
        return result


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return float(ordered[rank - 1])

"""The two ceilings end-to-end ingestion is compared with, measured on the same machine in the same run.

- Raw insert ceiling: batched inserts into the ``telemetry`` table Maeul's migrations create, with plain
  DBAPI calls (``executemany`` on SQLite, one ``unnest`` insert per batch on PostgreSQL), one commit per
  batch, no Maeul code between the calls. Only the time spent in the database calls is counted.
- Broker ceiling: N publisher processes (QoS 1, the same 4-reading messages) into a private Mosquitto, one
  QoS 1 subscriber (Maeul's shared subscription and receive maximum) counting what it receives. With paho
  clients on both sides the figure is bounded by paho's Python (about 100 µs a message on each side); with
  the lean clients of :mod:`maeul.benchmarking.mqtt_wire` it is the broker's own publish-to-subscribe rate.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy.engine import make_url

from maeul.adapters.mqtt.topics import shared_subscription
from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.partitions import partitions_for
from maeul.benchmarking.cpu import CpuMeter
from maeul.benchmarking.environment import INGEST_USER, Store, bench_broker, fresh_database, load_publishers
from maeul.benchmarking.figures import BrokerCeiling, InsertCeiling
from maeul.benchmarking.mqtt_wire import PUBLISH, WireClient, puback_packets, publish_packet_id
from maeul.benchmarking.progress import NoProgress, Progress
from maeul.benchmarking.publisher import Client
from maeul.benchmarking.workload import RETENTION_DAYS, keys_for
from maeul.platform.settings import DEFAULT_INGEST_BATCH_ROWS
from maeul.testing.mosquitto import wait_until

SQLITE_INSERT = (
    "INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) VALUES (?, ?, ?, ?, ?, ?)"
)
POSTGRES_INSERT = (
    "INSERT INTO telemetry (device_id, key, ts, value_num, value_str, retention_days) "
    "SELECT * FROM unnest(%s::int[], %s::varchar[], %s::bigint[], %s::float8[], %s::text[], %s::int[])"
)


class _Rows:
    """Rows as the end-to-end run produces them: devices in turn, each message ``readings`` rows, ts rising."""

    def __init__(self, devices: int, readings: int, batch_rows: int, t0_ms: int) -> None:
        self.devices, self.keys = devices, keys_for(readings)
        self.messages_per_batch = max(1, batch_rows // readings)
        self.t0 = t0_ms
        self.next_message = 0

    def batch(self) -> list[tuple[int, str, int, float, None, int]]:
        first = self.next_message
        self.next_message += self.messages_per_batch
        devices, t0, keys = self.devices, self.t0, self.keys
        return [
            (m % devices + 1, key, t0 + m // devices, float(m % 997) + i, None, RETENTION_DAYS)
            for m in range(first, self.next_message)
            for i, key in enumerate(keys)
        ]

    def last_ts(self, seconds: float, rows_per_s: float = 2_000_000) -> int:
        """An upper bound of the timestamps after ``seconds`` at no more than ``rows_per_s``."""
        return self.t0 + int(seconds * rows_per_s / len(self.keys) / self.devices) + 1


def _migrated(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def insert_ceiling(
    store: Store,
    seconds: float,
    *,
    devices: int = 1000,
    readings: int = 4,
    batch_rows: int = DEFAULT_INGEST_BATCH_ROWS,
    progress: Progress | None = None,
) -> InsertCeiling:
    """Raw batched inserts into a fresh, migrated database for about ``seconds`` of database time."""
    progress = progress or NoProgress()
    with tempfile.TemporaryDirectory(prefix="maeul-bench-raw-") as tmp, fresh_database(store, Path(tmp)) as url:
        _migrated(url)
        rows = _Rows(devices, readings, batch_rows, time.time_ns() // 1_000_000)
        if store == "sqlite":
            return _sqlite_ceiling(url, rows, seconds, batch_rows, progress)
        return _postgres_ceiling(url, rows, seconds, batch_rows, progress)


def _run_batches(
    insert_batch: Any, rows: _Rows, seconds: float, progress: Progress, description: str
) -> tuple[int, float]:
    """Insert batches until ``seconds`` of database time are spent (or twice that of wall time)."""
    progress.phase(description, seconds)
    inserted, db_seconds = 0, 0.0
    wall_limit = time.monotonic() + 2 * seconds
    try:
        while db_seconds < seconds and time.monotonic() < wall_limit:
            batch = rows.batch()
            started = time.perf_counter()
            insert_batch(batch)
            db_seconds += time.perf_counter() - started
            inserted += len(batch)
            progress.update(db_seconds, f"{inserted / db_seconds:,.0f} rows/s")
    finally:
        progress.done()
    return inserted, db_seconds


def _sqlite_ceiling(url: str, rows: _Rows, seconds: float, batch_rows: int, progress: Progress) -> InsertCeiling:
    path = make_url(url).database
    assert path is not None
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # The same pragmas as Maeul's engine (maeul/adapters/sql/engine.py), so that only the code differs.
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
            conn.execute(f"PRAGMA {pragma}")

        def insert_batch(batch: list[Any]) -> None:
            conn.execute("BEGIN")
            conn.executemany(SQLITE_INSERT, batch)
            conn.execute("COMMIT")

        inserted, db_seconds = _run_batches(insert_batch, rows, seconds, progress, "SQLite raw inserts")
        verified = int(conn.execute("SELECT count(*) FROM telemetry").fetchone()[0])
    finally:
        conn.close()
    return InsertCeiling("sqlite", "executemany", inserted, db_seconds, batch_rows, verified)


def _postgres_ceiling(url: str, rows: _Rows, seconds: float, batch_rows: int, progress: Progress) -> InsertCeiling:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        # Maeul's partitions (telemetry_r365 by time), created before the clock starts.
        parent = f"telemetry_r{RETENTION_DAYS}"
        conn.execute(
            f"CREATE TABLE {parent} PARTITION OF telemetry FOR VALUES IN ({RETENTION_DAYS}) PARTITION BY RANGE (ts)"
        )
        for part in partitions_for(RETENTION_DAYS, rows.t0, rows.last_ts(2 * seconds)):
            conn.execute(
                f"CREATE TABLE {part.name} PARTITION OF {parent} FOR VALUES FROM ({part.start}) TO ({part.end})"
            )
        conn.commit()
        cursor = conn.cursor()

        def insert_batch(batch: list[Any]) -> None:
            cursor.execute(POSTGRES_INSERT, [list(column) for column in zip(*batch, strict=True)])
            conn.commit()

        inserted, db_seconds = _run_batches(insert_batch, rows, seconds, progress, "PostgreSQL raw inserts")
        row = conn.execute("SELECT count(*) FROM telemetry").fetchone()
        verified = int(row[0]) if row else 0
    return InsertCeiling("postgres", "unnest", inserted, db_seconds, batch_rows, verified)


class _CountingSubscriber:
    """A paho MQTT 5 subscriber on the same shared QoS 1 subscription as Maeul, counting messages."""

    def __init__(self, host: str, port: int, username: str, password: str, receive_maximum: int) -> None:
        self.received = 0
        self._subscribed = threading.Event()
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-subscriber", protocol=paho.MQTTv5)
        client.username_pw_set(username, password)
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *_args: self._subscribed.set()
        client.on_message = self._on_message
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.ReceiveMaximum = receive_maximum
        client.connect(host, port, keepalive=60, properties=properties)
        self.client = client

    def _on_connect(self, client: paho.Client, *_args: object) -> None:
        client.subscribe(shared_subscription("bench"), options=SubscribeOptions(qos=1))

    def _on_message(self, *_args: object) -> None:
        self.received += 1

    def start(self, timeout_s: float = 10.0) -> None:
        self.client.loop_start()
        if not self._subscribed.wait(timeout_s):
            self.stop()
            raise RuntimeError("the bench subscriber could not subscribe")

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class _LeanSubscriber:
    """An MQTT 5 subscriber thread that acknowledges each read's QoS 1 messages with one ``send``."""

    def __init__(self, host: str, port: int, username: str, password: str, receive_maximum: int) -> None:
        self.received = 0
        self.client = WireClient(
            host, port, "bench-subscriber", username, password, version=5, receive_maximum=receive_maximum
        )
        self.client.subscribe(shared_subscription("bench"))
        self.client.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="maeul-bench-subscriber", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        sock, reader = self.client.sock, self.client.reader
        try:
            while not self._stop.is_set():
                try:
                    data = sock.recv(262_144)
                except TimeoutError:
                    continue
                if not data:
                    raise RuntimeError("the broker closed the subscriber's connection")
                ids = [publish_packet_id(body) for kind, flags, body in reader.feed(data) if kind == PUBLISH]
                if ids:
                    sock.sendall(puback_packets(ids))
                    self.received += len(ids)
        except (OSError, RuntimeError) as exc:
            if not self._stop.is_set():
                self.error = exc

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.client.close()


def broker_ceiling(
    seconds: float,
    *,
    publishers: int = 2,
    devices: int = 1000,
    readings: int = 4,
    window: int = 10_000,
    receive_maximum: int = 1000,
    client: Client = "lean",
    progress: Progress | None = None,
) -> BrokerCeiling:
    """Messages/s from ``publishers`` QoS 1 publishers through a private Mosquitto to one QoS 1 subscriber."""
    progress = progress or NoProgress()
    warmup = min(2.0, seconds * 0.2)
    with tempfile.TemporaryDirectory(prefix="maeul-bench-broker-") as tmp, bench_broker(Path(tmp)) as broker:
        kind = _LeanSubscriber if client == "lean" else _CountingSubscriber
        subscriber = kind(broker.host, broker.port, INGEST_USER, broker.ingest_password, receive_maximum)
        subscriber.start()
        try:
            with load_publishers(
                broker, range(1, devices + 1), processes=publishers, readings=readings, window=window, client=client
            ) as group:
                group.start()
                meter = CpuMeter(
                    {
                        "publishers": group.pids,
                        "broker": broker.pids,
                        "subscriber": lambda: [os.getpid()],
                    }
                )
                group.set_credit(window)
                group.go()
                progress.phase(f"MQTT broker ceiling ({client} clients)", warmup + seconds)
                start = time.monotonic()
                counted_from: int | None = None
                measured_start = 0.0
                try:
                    while True:
                        now = time.monotonic()
                        received = subscriber.received
                        group.set_credit(received + window)
                        if counted_from is None and now - start >= warmup:
                            counted_from, measured_start = received, now
                            meter.start()
                        if now - start >= warmup + seconds:
                            break
                        group.check_alive()
                        if getattr(subscriber, "error", None) is not None:
                            raise RuntimeError(f"the bench subscriber failed: {subscriber.error}")  # type: ignore[union-attr]
                        progress.update(now - start, f"{received:,} messages")
                        time.sleep(0.005)
                finally:
                    progress.done()
                elapsed = time.monotonic() - measured_start
                messages = subscriber.received - (counted_from or 0)
                cpu = meter.stop()
                group.stop()
                wait_until(lambda: subscriber.received >= group.total_acked(), 10.0)
        finally:
            subscriber.stop()
    return BrokerCeiling(group.count, readings, messages, elapsed, cpu, client)

"""The figures a benchmark run produces (plain data: printed by ``report``, written as JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class InsertCeiling:
    """Raw batched inserts into Maeul's ``telemetry`` table with plain DBAPI calls, no Maeul code."""

    store: str
    method: str
    rows: int
    seconds: float  # time spent in the database calls (row generation excluded)
    batch_rows: int
    verified_rows: int

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class BrokerCeiling:
    """Messages/s the broker delivers from N QoS 1 publishers to one QoS 1 subscriber (no Maeul code)."""

    publishers: int
    readings: int
    messages: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)
    client: str = "lean"  # lean: the broker's own rate; paho: bounded by paho's Python on both sides

    @property
    def messages_per_s(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def readings_per_s(self) -> float:
        return self.messages_per_s * self.readings


@dataclass
class Sustained:
    """The closed-loop phase: publish as fast as Maeul stores; stored rows/s after the warm-up."""

    seconds: float
    messages: int
    rows: int
    readings: int
    window: int
    publisher_bound: float  # share of samples where the publishers, not Maeul, were behind
    slowest_10s_rows_per_s: float
    cpu: dict[str, float] = field(default_factory=dict)
    batches: int = 0
    mean_batch_rows: float = 0.0
    mean_write_ms: float = 0.0  # Maeul's own maeul_ingest_write_seconds: one batch's transaction
    gc_pause_s: float = 0.0  # time Maeul's process spent in the cyclic garbage collector
    gc_full_collections: int = 0
    slow_batches: int = 0  # batches whose transaction took over 1 s
    busiest_others: list[tuple[str, float]] = field(default_factory=list)  # outside processes, % of a core

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def messages_per_s(self) -> float:
        return self.rows_per_s / self.readings


@dataclass
class Latency:
    """The fixed-rate phase: time from publish (the payload's ``ts``) until the row is returned by a query."""

    offered_messages_per_s: float
    achieved_messages_per_s: float
    seconds: float
    samples: int
    poll_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    cpu: dict[str, float] = field(default_factory=dict)
    # Per 10 s of publishing: (seconds from the start, samples, p50 ms, max ms): stalls show up here.
    timeline: list[tuple[float, int, float, float]] = field(default_factory=list)
    mean_batch_rows: float = 0.0
    mean_write_ms: float = 0.0
    slow_batches: int = 0
    gc_pause_s: float = 0.0
    busiest_others: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class IngestRun:
    """One end-to-end run on one store."""

    store: str
    devices: int
    publishers: int
    readings: int
    batch_rows: int
    receive_maximum: int
    publisher: str
    sustained: Sustained
    latency: Latency | None
    published: int
    expected_rows: int
    stored_rows: int
    dead_letters: int
    workers: int = 0  # MQTT receiver processes beside the writer (0: the client in Maeul's process)


@dataclass
class StoreFigures:
    store: str
    ceiling: InsertCeiling | None
    ingest: IngestRun | None
    store_only: InsertCeiling | None = None


@dataclass
class BenchReport:
    date: str
    machine: dict[str, str]
    options: dict[str, object]
    brokers: list[BrokerCeiling]
    stores: list[StoreFigures]
    notes: list[str] = field(default_factory=list)

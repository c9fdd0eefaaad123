"""Prometheus metrics of one platform instance (its own registry, so tests can run several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "maeul_ingest_messages",
            "Telemetry messages received",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.readings = Counter("maeul_ingest_readings", "Readings stored (new rows)", registry=self.registry)
        self.duplicates = Counter(
            "maeul_ingest_duplicate_readings", "Readings skipped as already stored", registry=self.registry
        )
        self.dead_letters = Counter(
            "maeul_dead_letters",
            "Messages or readings sent to the dead-letter table",
            ["source"],
            registry=self.registry,
        )
        self.queue_rows = Gauge("maeul_ingest_queue_rows", "Readings waiting to be written", registry=self.registry)
        self.write_seconds = Histogram(
            "maeul_ingest_write_seconds",
            "Time to commit one batch",
            registry=self.registry,
            buckets=LATENCY_BUCKETS,
        )
        self.queue_seconds = Histogram(
            "maeul_ingest_queue_seconds",
            "Time the oldest message of a batch waited in the write queue before its batch was written",
            registry=self.registry,
            buckets=LATENCY_BUCKETS,
        )
        self.rules_lag_seconds = Histogram(
            "maeul_rules_lag_seconds",
            "From an ingest commit to the commit of the rule evaluation that took its readings (the oldest of each)",
            registry=self.registry,
            buckets=LATENCY_BUCKETS,
        )
        self.rules_cycle_seconds = Histogram(
            "maeul_rules_cycle_seconds",
            "One rule evaluation of the committed batches: stepping the rules and writing alarms and states",
            registry=self.registry,
            buckets=LATENCY_BUCKETS,
        )
        self.rules_cycle_readings = Histogram(
            "maeul_rules_cycle_readings",
            "Readings taken through one rule evaluation",
            registry=self.registry,
            buckets=(1, 10, 100, 1000, 5000, 20000, 100000),
        )
        self.batch_rows = Histogram(
            "maeul_ingest_batch_rows",
            "Readings per committed batch",
            registry=self.registry,
            buckets=(1, 10, 100, 1000, 5000, 20000),
        )

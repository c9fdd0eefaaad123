"""Alert latency: from an MQTT publish to the webhook's receipt, while the platform ingests at half its capacity.

Set-up: a private Mosquitto; a fresh store; a real :class:`Platform` with ``mqtt_url`` set (its MQTT client,
ingest pipeline, rule runner, notification service and dispatchers, all in this process); a tenant with

- ``devices`` load devices of a 4-key profile (with a threshold rule that never fires, unless
  ``load_rules`` is off, so that every load reading also goes through the rule runner),
- ``trigger_devices`` devices of a profile whose threshold rule (critical) fires above 50,
- a webhook channel to a receiver on 127.0.0.1 in a process of its own, as a real receiver is
  (:class:`~maeul.benchmarking.receiver_process.ReceiverProcess`: in this process it would wait for the same
  interpreter lock as the platform), and a policy whose first step (no delay) notifies the receiver's contact.

Capacity: unless it is given, it is measured first on this same platform, rules and all: publishers send as fast
as the rule thread takes readings through (closed loop, at most ``capacity_window`` messages between a publish and
its rules' evaluation) for ``capacity_seconds``; the messages/s whose readings were evaluated is the capacity. Then
the backlog drains, and publisher processes (see :mod:`maeul.benchmarking.publisher`) send the background load at
``load_share`` of the capacity in messages/s. Every ``interval_s`` this process publishes, on the next trigger
device, one message of two readings: a cool one (clearing that device's previous alarm) and, 1 ms later, a hot
one (raising a new alarm). The hot reading's ``ts`` is the publish time; the alarm's ``start_ts`` is that
``ts``, so each ``raised`` webhook is matched to its publish through the alarm id in the webhook's data. Latency
is the receiver's wall clock on receipt minus the wall clock just before the publish was written to the socket.
"""

from __future__ import annotations

import os
import select
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import Engine

from maeul.adapters.sql import accounts, rules
from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import notifications as notify_repo
from maeul.adapters.sql.alarm_tables import alarms
from maeul.benchmarking.alert_setup import bulk_devices
from maeul.benchmarking.cpu import CpuMeter
from maeul.benchmarking.environment import (
    PUBLISHER_USER,
    BenchBroker,
    Store,
    bench_broker,
    fresh_database,
    load_publishers,
    newest_stamp_ms,
)
from maeul.benchmarking.latency import percentile
from maeul.benchmarking.mqtt_wire import PUBACK, WireClient, publish_packet, topic_field
from maeul.benchmarking.progress import NoProgress, Progress
from maeul.benchmarking.publisher import Client, PublisherGroup
from maeul.benchmarking.receiver_process import ReceiverProcess
from maeul.benchmarking.workload import TENANT, keys_for
from maeul.platform.app import Platform
from maeul.platform.gc_tuning import tune_for_ingest
from maeul.platform.ingest_workers import IngestWorkers
from maeul.platform.notify.models import ContactSpec, PolicySpec, check_channel_config
from maeul.platform.settings import Settings

P99_TARGET_MS = 500.0  # the issue: alert latency p99 under 500 ms at half capacity
ALARM_TYPE = "bench_heat"
SECRET = "bench-webhook-secret-000000"


@dataclass(frozen=True)
class AlertOptions:
    seconds: float = 30.0  # measured trigger phase
    warmup_s: float = 3.0  # load (and unmeasured triggers) before it
    interval_s: float = 0.2  # one trigger reading every ...
    load_share: float = 0.5  # of the capacity
    devices: int = 1000  # load devices
    publishers: int = 2
    readings: int = 4
    trigger_devices: int = 20
    load_rules: bool = True
    publisher: Client = "lean"
    drain_s: float = 30.0  # after the last trigger: wait this long at most for its webhook
    workers: int = 0  # Settings.ingest_workers: MQTT receiver processes (0: the client runs in Maeul's process)
    capacity_seconds: float = 20.0  # the closed-loop capacity phase, when no capacity is given
    capacity_window: int = 10_000  # messages at most between a publish and its rules' evaluation in that phase
    rules_in_transaction: bool = True  # Settings.rules_in_ingest_transaction (False: on the rule thread)


@dataclass
class AlertRun:
    store: str
    capacity_messages_per_s: float
    capacity_source: str
    offered_messages_per_s: float
    achieved_messages_per_s: float
    seconds: float
    triggers: int
    delivered: int
    missing: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    to_alarm_p50_ms: float  # publish → alarm row written (MQTT, ingest, commit, rule runner)
    to_alarm_p99_ms: float
    to_webhook_p50_ms: float  # alarm row written → webhook received (outbox, dispatcher, HTTP)
    to_webhook_p99_ms: float
    load_rules: bool
    duplicates: int = 0
    workers: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)  # means over the measured window, see STAGES


# Inside the platform during the measured window (its Prometheus histograms): name → (metric, scale).
STAGES = {
    "ingest_queue_ms": ("maeul_ingest_queue_seconds", 1000.0),
    "ingest_write_ms": ("maeul_ingest_write_seconds", 1000.0),
    "ingest_batch_rows": ("maeul_ingest_batch_rows", 1.0),
    "rules_lag_ms": ("maeul_rules_lag_seconds", 1000.0),
    "rules_cycle_ms": ("maeul_rules_cycle_seconds", 1000.0),
    "rules_cycle_readings": ("maeul_rules_cycle_readings", 1.0),
}


def run_alert_latency(
    store: Store,
    capacity: float | None,
    capacity_source: str,
    options: AlertOptions | None = None,
    progress: Progress | None = None,
) -> AlertRun:
    """Set up a fresh platform on ``store`` and measure; ``capacity`` is the msg/s the load is a share of (None:
    measured first on the same platform, see the module's docstring)."""
    opts = options or AlertOptions()
    progress = progress or NoProgress()
    with tempfile.TemporaryDirectory(prefix="maeul-bench-alerts-") as tmp_name:
        tmp = Path(tmp_name)
        with (
            bench_broker(tmp / "broker") as broker,
            fresh_database(store, tmp / "db") as url,
            ReceiverProcess(SECRET) as receiver,
        ):
            settings = Settings(
                data_dir=tmp / "data",
                database_url=url,
                mqtt_url=broker.ingest_url,
                mqtt_client_id="maeul-bench-alerts",
                ingest_workers=opts.workers,
                rules_in_ingest_transaction=opts.rules_in_transaction,
                log_json=False,
                log_level="WARNING",  # receiver processes log at this level (connects would clutter the output)
            )
            platform = Platform.create(settings)
            try:
                load_ids, trigger_ids = _configure(platform.engine, receiver, opts, progress)
                platform.start()
                deadline = time.monotonic() + 30
                while not platform.mqtt_connected():
                    if time.monotonic() > deadline:
                        raise RuntimeError("Maeul's MQTT client did not subscribe within 30 s")
                    time.sleep(0.05)
                tune_for_ingest()  # as ``maeul serve`` does
                run = _Run(platform, broker, receiver, load_ids, trigger_ids, opts, progress)
                return run.measure(store, capacity, capacity_source)
            finally:
                platform.stop()


def _configure(
    engine: Engine, receiver: ReceiverProcess, opts: AlertOptions, progress: Progress
) -> tuple[list[int], list[int]]:
    keys = keys_for(opts.readings)
    url = receiver.url("/119")
    hook = {"endpoints": [{"url": url, "secret": SECRET}], "timeout_s": 5, "connect_timeout_s": 2}
    check_channel_config("webhook", hook)
    with engine.begin() as conn:
        accounts.create_tenant(conn, TENANT, "벤치마크시", name_en="Benchmark City")
        home = device_repo.create_profile(conn, TENANT, "home", [{"key": k, "type": "number"} for k in keys])
        alert = device_repo.create_profile(conn, TENANT, "alert", [{"key": "temperature", "type": "number"}])
        if opts.load_rules:
            never = {"kind": "threshold", "key": keys[0], "op": ">", "value": 10_000}
            rules.create_rule(
                conn, TENANT, home["id"], name="never", alarm_type="never", severity="minor", condition=never
            )
        hot = {"kind": "threshold", "key": "temperature", "op": ">", "value": 50, "clear_value": 40}
        rules.create_rule(
            conn, TENANT, alert["id"], name="heat", alarm_type=ALARM_TYPE, severity="critical", condition=hot
        )
        notify_repo.put_channel(conn, TENANT, "webhook", hook)
        contact = notify_repo.create_contact(
            conn, TENANT, ContactSpec(name="119", addresses={"webhook": url}, channels=["webhook"]).stored()
        )
        policy = {"name": "bench", "alarm_type": ALARM_TYPE, "steps": [{"delay_s": 0, "contacts": [contact["id"]]}]}
        notify_repo.create_policy(conn, TENANT, PolicySpec.model_validate(policy).stored())
    load_ids = bulk_devices(engine, TENANT, home["id"], opts.devices, "load", progress)
    trigger_ids = bulk_devices(engine, TENANT, alert["id"], opts.trigger_devices, "trigger", progress)
    return load_ids, trigger_ids


class _Triggers:
    """Publishes the trigger messages at QoS 1 over one lean connection and reads the broker's PUBACKs."""

    def __init__(self, broker: BenchBroker, device_ids: list[int]) -> None:
        self.client = WireClient(broker.host, broker.port, "bench-triggers", PUBLISHER_USER, broker.publisher_password)
        self.topics = {d: topic_field(f"maeul/{TENANT}/{d}/telemetry") for d in device_ids}
        self.last_ts = dict.fromkeys(device_ids, 0)
        self.packet_id = 0
        self.acked = 0
        self.sent: dict[tuple[int, int], int] = {}  # (device, hot reading's ts) → publish time, epoch ns

    def publish(self, device_id: int) -> tuple[int, int]:
        """One cool and one hot reading; returns the (device, ts) key of the hot one."""
        now_ns = time.time_ns()
        ts = max(now_ns // 1_000_000, self.last_ts[device_id] + 2)
        self.last_ts[device_id] = ts
        payload = orjson.dumps(
            [{"ts": ts - 1, "values": {"temperature": 20.0}}, {"ts": ts, "values": {"temperature": 90.0}}]
        )
        self.packet_id = self.packet_id % 65535 + 1
        packet = publish_packet(self.topics[device_id], self.packet_id, payload)
        key = (device_id, ts)
        self.sent[key] = time.time_ns()
        self.client.sock.sendall(packet)
        self.read_acks()
        return key

    def read_acks(self) -> None:
        sock = self.client.sock
        while select.select([sock], [], [], 0)[0]:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("the broker closed the trigger connection")
            self.acked += sum(1 for kind, _f, _b in self.client.reader.feed(data) if kind == PUBACK)

    def close(self) -> None:
        self.client.close()


class _Run:
    def __init__(
        self,
        platform: Platform,
        broker: BenchBroker,
        receiver: ReceiverProcess,
        load_ids: list[int],
        trigger_ids: list[int],
        opts: AlertOptions,
        progress: Progress,
    ) -> None:
        self.platform, self.broker, self.receiver = platform, broker, receiver
        self.load_ids, self.trigger_ids, self.opts, self.progress = load_ids, trigger_ids, opts, progress

    def _stored_rows(self) -> float:
        return self.platform.metrics.registry.get_sample_value("maeul_ingest_readings_total") or 0.0

    def _receiver_pids(self) -> list[int]:
        mqtt = self.platform.mqtt
        return mqtt.pids() if isinstance(mqtt, IngestWorkers) else []

    def _postgres_pids(self) -> list[int]:
        if self.platform.engine.dialect.name != "postgresql":
            return []
        with self.platform.engine.connect() as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            return [int(r[0]) for r in conn.exec_driver_sql(query)]

    def _evaluated_messages(self) -> int:
        runner = self.platform.rule_runner
        return runner.evaluated_readings // self.opts.readings if runner is not None else 0

    def _group(self, rate: float | None) -> PublisherGroup:
        opts = self.opts
        return load_publishers(
            self.broker,
            self.load_ids,
            processes=opts.publishers,
            readings=opts.readings,
            window=opts.capacity_window,
            rate=rate,
            client=opts.publisher,
            after_ms=newest_stamp_ms(self.platform.engine),
        )

    def capacity(self) -> float:
        """Messages/s the platform takes through ingest and rules, closed loop; then waits for the backlog."""
        opts = self.opts
        warmup = min(5.0, max(1.0, opts.capacity_seconds * 0.2))
        with self._group(None) as group:
            group.start()
            base = self._evaluated_messages()
            group.set_credit(opts.capacity_window)
            group.go()
            self.progress.phase("capacity with rules (closed loop)", warmup + opts.capacity_seconds)
            start = time.monotonic()
            first: tuple[float, int] | None = None
            try:
                while True:
                    now = time.monotonic()
                    done = self._evaluated_messages() - base
                    group.set_credit(done + opts.capacity_window)
                    if first is None and now - start >= warmup:
                        first = (now, done)
                    if now - start >= warmup + opts.capacity_seconds:
                        break
                    rate = (done - first[1]) / (now - first[0]) if first and now > first[0] else 0.0
                    self.progress.update(now - start, f"{rate:,.0f} msg/s" if rate else "warming up")
                    group.check_alive()
                    time.sleep(0.01)
            finally:
                self.progress.done()
            assert first is not None
            measured = (self._evaluated_messages() - base - first[1]) / (time.monotonic() - first[0])
            sent = group.total_sent()
            group.stop()
            deadline = time.monotonic() + 60
            while self._evaluated_messages() - base < sent and time.monotonic() < deadline:
                time.sleep(0.05)
        return measured

    def measure(self, store: str, capacity: float | None, capacity_source: str) -> AlertRun:
        opts = self.opts
        if capacity is None:
            capacity = self.capacity()
            capacity_source = f"measured first, rules and all ({opts.capacity_seconds:g} s closed loop)"
        rate = max(1.0, capacity * opts.load_share)
        group = self._group(rate)
        triggers = _Triggers(self.broker, self.trigger_ids)
        measured: list[tuple[int, int]] = []
        stages0: dict[str, tuple[float, float]] = {}
        with group:
            group.start()
            meter = CpuMeter(
                {
                    "maeul": lambda: [os.getpid()],
                    "receivers": self._receiver_pids,
                    "broker": self.broker.pids,
                    "publishers": group.pids,
                    "postgres": self._postgres_pids,
                    "webhook receiver": self.receiver.pids,
                }
            )
            group.go()
            total = opts.warmup_s + opts.seconds
            self.progress.phase(f"alerts every {opts.interval_s * 1000:.0f} ms under {rate:,.0f} msg/s", total)
            start = time.monotonic()
            rows0, t0 = 0.0, start
            n = 0
            try:
                while True:
                    elapsed = time.monotonic() - start
                    if elapsed >= total:
                        break
                    warm = elapsed < opts.warmup_s
                    if not warm and not measured:
                        rows0, t0 = self._stored_rows(), time.monotonic()
                        stages0 = self._stage_sums()
                        meter.start()
                    key = triggers.publish(self.trigger_ids[n % len(self.trigger_ids)])
                    n += 1
                    if not warm:
                        measured.append(key)
                    group.check_alive()
                    self.progress.update(elapsed, f"{len(self.receiver.processed):,} webhooks")
                    wait = start + n * opts.interval_s - time.monotonic()
                    while wait > 0:
                        time.sleep(min(wait, 0.02))
                        triggers.read_acks()
                        wait = start + n * opts.interval_s - time.monotonic()
            finally:
                self.progress.done()
            seconds = time.monotonic() - t0
            achieved = (self._stored_rows() - rows0) / opts.readings / seconds if seconds else 0.0
            cpu = meter.stop() if measured else {}
            stages = self._stage_means(stages0) if measured else {}
            self._drain(measured)
            group.stop()
        triggers.close()
        run = self._figures(store, capacity, capacity_source, rate, achieved, seconds, measured, triggers.sent, cpu)
        run.stages = stages
        return run

    def _stage_sums(self) -> dict[str, tuple[float, float]]:
        registry = self.platform.metrics.registry
        return {
            name: (
                registry.get_sample_value(f"{metric}_sum") or 0.0,
                registry.get_sample_value(f"{metric}_count") or 0.0,
            )
            for name, (metric, _scale) in STAGES.items()
        }

    def _stage_means(self, before: dict[str, tuple[float, float]]) -> dict[str, float]:
        """Each stage's mean since ``before`` (``<name>``) and how many it covers (``<name>_n``)."""
        out: dict[str, float] = {}
        for name, (total, count) in self._stage_sums().items():
            n = count - before[name][1]
            out[name] = (total - before[name][0]) / n * STAGES[name][1] if n else 0.0
            out[f"{name}_n"] = n
        return out

    def _raised(self) -> dict[int, int]:
        """alarm id → receipt time (epoch ns) of its ``raised`` webhook."""
        out: dict[int, int] = {}
        for received in list(self.receiver.processed.values()):
            data = received.json().get("data", {})
            if data.get("kind") == "raised" and data.get("type") == ALARM_TYPE:
                out[int(data["alarm_id"])] = received.received_ns
        return out

    def _alarms(self) -> dict[tuple[int, int], tuple[int, int]]:
        """(device, start_ts) → (alarm id, created_at ms) of the trigger alarms."""
        with self.platform.engine.connect() as conn:
            rows = conn.execute(
                alarms.select()
                .with_only_columns(alarms.c.id, alarms.c.originator_id, alarms.c.start_ts, alarms.c.created_at)
                .where(alarms.c.type == ALARM_TYPE)
            )
            return {(int(r[1]), int(r[2])): (int(r[0]), int(r[3])) for r in rows}

    def _drain(self, measured: list[tuple[int, int]]) -> None:
        deadline = time.monotonic() + self.opts.drain_s
        wanted = set(measured)
        while time.monotonic() < deadline:
            known = self._alarms()
            raised = self._raised()
            if all(k in known and known[k][0] in raised for k in wanted):
                return
            time.sleep(0.1)

    def _figures(
        self,
        store: str,
        capacity: float,
        capacity_source: str,
        rate: float,
        achieved: float,
        seconds: float,
        measured: list[tuple[int, int]],
        sent: dict[tuple[int, int], int],
        cpu: dict[str, float],
    ) -> AlertRun:
        known, raised = self._alarms(), self._raised()
        total: list[float] = []
        to_alarm: list[float] = []
        to_webhook: list[float] = []
        for key in measured:
            alarm = known.get(key)
            if alarm is None or alarm[0] not in raised:
                continue
            published_ns, received_ns = sent[key], raised[alarm[0]]
            total.append((received_ns - published_ns) / 1e6)
            to_alarm.append(alarm[1] - published_ns / 1e6)
            to_webhook.append(received_ns / 1e6 - alarm[1])
        return AlertRun(
            store=store,
            capacity_messages_per_s=capacity,
            capacity_source=capacity_source,
            offered_messages_per_s=rate,
            achieved_messages_per_s=achieved,
            seconds=seconds,
            triggers=len(measured),
            delivered=len(total),
            missing=len(measured) - len(total),
            p50_ms=percentile(total, 50),
            p95_ms=percentile(total, 95),
            p99_ms=percentile(total, 99),
            max_ms=max(total, default=0.0),
            to_alarm_p50_ms=percentile(to_alarm, 50),
            to_alarm_p99_ms=percentile(to_alarm, 99),
            to_webhook_p50_ms=percentile(to_webhook, 50),
            to_webhook_p99_ms=percentile(to_webhook, 99),
            load_rules=self.opts.load_rules,
            workers=self.opts.workers,
            duplicates=self.receiver.duplicates,
            cpu=cpu,
        )

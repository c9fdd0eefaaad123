"""Load generators: processes that publish QoS 1 telemetry, each on its own connection.

Two clients: ``lean`` (:mod:`maeul.benchmarking.mqtt_wire`, a few µs per message) and ``paho`` (the library
devices use, about 100 µs per message). They run in separate processes (``spawn``) so that they never share
Maeul's interpreter lock; on a small machine they still share its cores, which the reports show as the
publishers' CPU time.

Two pacings:

- *closed loop* (``rate`` None): publish as fast as the consumer keeps up. The controller raises a shared
  credit (messages consumed + a window); a publisher never goes beyond its share of it. The broker's queue
  therefore stays bounded and never drops QoS 1 messages, and the consumer is never starved.
- *fixed rate*: ``rate`` messages per second, spread evenly in time (open loop), for latency measurements.
  The lean client writes the messages due every ``PACED_TICK_S`` (5 ms) in one send, rather than waking for
  every message and every PUBACK (about two wake-ups a message, a quarter of a core at 3,000 messages/s on a
  2-core machine, taken from the system being measured). A message is stamped when it is written, so the
  tick adds nothing to the latency measured; the broker receives small bursts, as it would from many devices.

Each message carries ``"ts"``: the wall-clock millisecond at which it was handed to the client, made strictly
increasing per device so that no two messages of a device collide in the store. A device sending more than one
message a millisecond runs ahead of the clock, so a later group starts after the newest stamp already stored
(``after_ms``), or its first messages would repeat earlier ones and be dropped as redeliveries.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import sys
import time
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from typing import Any, Literal

from maeul.benchmarking.mqtt_wire import PUBACK, WireClient, publish_packet, topic_field
from maeul.benchmarking.workload import keys_for, make_payload

Client = Literal["lean", "paho"]
CLIENTS: tuple[Client, ...] = ("lean", "paho")

BURST = 64  # messages published between two turns of the network loop (paho)
LEAN_BURST = 256  # messages written in one send (lean)
PACED_TICK_S = 0.005  # fixed rate, lean: the messages due are written every tick
CONNECT_TIMEOUT_S = 10.0
DRAIN_TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class PublisherSpec:
    """What one publisher process does."""

    index: int
    count: int  # publishers in the group; the closed-loop credit is shared evenly
    host: str
    port: int
    username: str
    password: str
    tenant: str
    device_ids: tuple[int, ...]
    readings: int
    inflight: int  # unacknowledged QoS 1 publishes at most (paho's max_inflight is set to it)
    rate: float | None  # messages/s of this publisher; None: closed loop on the shared credit
    client: Client = "lean"
    after_ms: int = 0  # every stamp is later than this


class PublisherGroup:
    """Start ``k`` publisher processes, steer them, read their counters, stop them."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        tenant: str,
        device_ids: Sequence[int],
        processes: int,
        readings: int,
        inflight: int = 1000,
        rate: float | None = None,
        client: Client = "lean",
        after_ms: int = 0,
    ) -> None:
        self._ctx: multiprocessing.context.SpawnContext = multiprocessing.get_context("spawn")
        groups = [list(device_ids[i::processes]) for i in range(max(1, min(processes, len(device_ids))))]
        self.count = len(groups)
        self.credit: Synchronized[int] = self._ctx.Value("q", 0, lock=False)
        self.go_at = self._ctx.Value("d", 0.0, lock=False)
        self.stop_flag = self._ctx.Value("b", 0, lock=False)
        self.sent: Any = self._ctx.Array("q", self.count, lock=False)
        self.acked: Any = self._ctx.Array("q", self.count, lock=False)
        self.ready: Any = self._ctx.Array("b", self.count, lock=False)
        self.specs = [
            PublisherSpec(
                index=i,
                count=self.count,
                host=host,
                port=port,
                username=username,
                password=password,
                tenant=tenant,
                device_ids=tuple(group),
                readings=readings,
                inflight=min(inflight, 60_000),
                rate=None if rate is None else rate / self.count,
                client=client,
                after_ms=after_ms,
            )
            for i, group in enumerate(groups)
        ]
        self.processes: list[multiprocessing.process.BaseProcess] = []

    def start(self, timeout_s: float = 60.0) -> None:
        """Start the processes and wait until every one is connected (publishing waits for :meth:`go`)."""
        for spec in self.specs:
            process = self._ctx.Process(
                target=publisher_main,
                args=(spec, self.credit, self.go_at, self.stop_flag, self.sent, self.acked, self.ready),
                name=f"maeul-bench-publisher-{spec.index}",
                daemon=True,
            )
            process.start()
            self.processes.append(process)
        deadline = time.monotonic() + timeout_s
        while not all(self.ready[i] == 1 for i in range(self.count)):
            self.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError("publishers did not connect in time")
            time.sleep(0.05)

    def go(self) -> float:
        """Let them publish from now on; returns the start time (``time.time()``)."""
        now = time.time()
        self.go_at.value = now
        return now

    def set_credit(self, messages: int) -> None:
        """Closed loop: the publishers together may have sent this many messages."""
        self.credit.value = messages

    def total_sent(self) -> int:
        return int(sum(self.sent[i] for i in range(self.count)))

    def total_acked(self) -> int:
        """Messages the broker acknowledged (PUBACK): it has them."""
        return int(sum(self.acked[i] for i in range(self.count)))

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def check_alive(self) -> None:
        for process in self.processes:
            if process.exitcode not in (None, 0):
                raise RuntimeError(f"{process.name} failed with exit code {process.exitcode} (see its stderr)")

    def stop(self, timeout_s: float = DRAIN_TIMEOUT_S + 10) -> None:
        """Stop publishing; each process waits for the broker's acknowledgements, then exits."""
        self.stop_flag.value = 1
        deadline = time.monotonic() + timeout_s
        for process in self.processes:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
                process.join(5)
        failed = [p for p in self.processes if p.exitcode not in (0, None) and p.exitcode >= 0]
        self.processes = []
        if failed:
            raise RuntimeError(f"{failed[0].name} failed with exit code {failed[0].exitcode} (see its stderr)")

    def __enter__(self) -> PublisherGroup:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.processes:
            try:
                self.stop()
            except RuntimeError:
                if exc[0] is None:
                    raise


def publisher_main(
    spec: PublisherSpec, credit: Any, go_at: Any, stop_flag: Any, sent: Any, acked: Any, ready: Any
) -> None:
    """Entry point of a publisher process."""
    try:
        kind = _LeanPublisher if spec.client == "lean" else _Publisher
        kind(spec, credit, go_at, stop_flag, sent, acked, ready).run()
    except Exception:
        traceback.print_exc(file=sys.stderr)
        sys.exit(3)


class _Publisher:
    def __init__(
        self, spec: PublisherSpec, credit: Any, go_at: Any, stop_flag: Any, sent: Any, acked: Any, ready: Any
    ) -> None:
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        self.spec = spec
        self.credit, self.go_at, self.stop_flag = credit, go_at, stop_flag
        self.sent, self.acked, self.ready = sent, acked, ready
        self.keys = keys_for(spec.readings)
        self.topics = [f"maeul/{spec.tenant}/{d}/telemetry" for d in spec.device_ids]
        self.last_ts = [spec.after_ms] * len(spec.device_ids)
        self.n_sent = 0
        self.n_acked = 0
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"bench-pub-{spec.index}-{uuid.uuid4().hex[:8]}",
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        client.username_pw_set(spec.username, spec.password)
        client.max_inflight_messages_set(spec.inflight)
        client.max_queued_messages_set(0)
        client.on_publish = self._on_publish
        self.client = client

    def _on_publish(self, *_args: object) -> None:
        self.n_acked += 1

    def run(self) -> None:
        client = self.client
        client.connect(self.spec.host, self.spec.port, keepalive=60)
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while not client.is_connected():
            client.loop(timeout=0.05)
            if time.monotonic() > deadline:
                raise RuntimeError(f"publisher {self.spec.index}: no CONNACK from {self.spec.host}:{self.spec.port}")
        self.ready[self.spec.index] = 1
        while self.go_at.value == 0.0 and not self.stop_flag.value:
            client.loop(timeout=0.01)
        started = self.go_at.value
        try:
            self._publish_until_stopped(started)
        finally:
            self._drain()
            client.disconnect()
            client.loop(timeout=0.1)

    def _allowed(self, started: float) -> int:
        spec = self.spec
        if spec.rate is None:
            return int(self.credit.value // spec.count)
        return int((time.time() - started) * spec.rate)

    def _publish_until_stopped(self, started: float) -> None:
        client, spec = self.client, self.spec
        publish, topics, last_ts, keys = client.publish, self.topics, self.last_ts, self.keys
        devices = len(topics)
        j = 0
        time_ns = time.time_ns
        index = spec.index
        while not self.stop_flag.value:
            budget = min(self._allowed(started) - self.n_sent, spec.inflight - (self.n_sent - self.n_acked), BURST)
            if budget <= 0:
                client.loop(timeout=0.001)
                self.acked[index] = self.n_acked
                continue
            for _ in range(budget):
                ts = time_ns() // 1_000_000
                if ts <= last_ts[j]:
                    ts = last_ts[j] + 1
                last_ts[j] = ts
                publish(topics[j], make_payload(ts, keys), qos=1)
                j += 1
                if j == devices:
                    j = 0
            self.n_sent += budget
            self.sent[index] = self.n_sent
            client.loop(timeout=0)
            self.acked[index] = self.n_acked

    def _drain(self) -> None:
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while self.n_acked < self.n_sent and time.monotonic() < deadline and self.client.is_connected():
            self.client.loop(timeout=0.01)
        self.acked[self.spec.index] = self.n_acked


class _LeanPublisher:
    """The same pacing as :class:`_Publisher`, with pre-encoded MQTT 3.1.1 packets written in bulk."""

    def __init__(
        self, spec: PublisherSpec, credit: Any, go_at: Any, stop_flag: Any, sent: Any, acked: Any, ready: Any
    ) -> None:
        self.spec = spec
        self.credit, self.go_at, self.stop_flag = credit, go_at, stop_flag
        self.sent, self.acked, self.ready = sent, acked, ready
        self.keys = keys_for(spec.readings)
        self.topics = [topic_field(f"maeul/{spec.tenant}/{d}/telemetry") for d in spec.device_ids]
        self.last_ts = [spec.after_ms] * len(spec.device_ids)
        self.n_sent = 0
        self.n_acked = 0
        self.client = WireClient(
            spec.host, spec.port, f"bench-lean-{spec.index}-{uuid.uuid4().hex[:8]}", spec.username, spec.password
        )

    def _read_acks(self, timeout_s: float) -> None:
        import select

        sock = self.client.sock
        readable, _, _ = select.select([sock], [], [], timeout_s)
        while readable:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError(f"publisher {self.spec.index}: the broker closed the connection")
            self.n_acked += sum(1 for kind, _f, _b in self.client.reader.feed(data) if kind == PUBACK)
            readable, _, _ = select.select([sock], [], [], 0)
        self.acked[self.spec.index] = self.n_acked

    def run(self) -> None:
        spec = self.spec
        self.ready[spec.index] = 1
        while self.go_at.value == 0.0 and not self.stop_flag.value:
            time.sleep(0.005)
        started = self.go_at.value
        try:
            self._publish_until_stopped(started)
            deadline = time.monotonic() + DRAIN_TIMEOUT_S
            while self.n_acked < self.n_sent and time.monotonic() < deadline:
                self._read_acks(0.01)
        finally:
            self.client.close()

    def _publish_until_stopped(self, started: float) -> None:
        spec = self.spec
        sock, topics, last_ts, keys = self.client.sock, self.topics, self.last_ts, self.keys
        devices = len(topics)
        time_ns = time.time_ns
        j = 0
        packet_id = 0
        while not self.stop_flag.value:
            if spec.rate is None:
                allowed = int(self.credit.value // spec.count)
            else:
                allowed = int((time.time() - started) * spec.rate)
            budget = min(allowed - self.n_sent, spec.inflight - (self.n_sent - self.n_acked), LEAN_BURST)
            if budget <= 0:
                if spec.rate is None:
                    self._read_acks(0.001)  # closed loop: go on as soon as credit or acknowledgements come
                else:
                    time.sleep(PACED_TICK_S)
                    self._read_acks(0)
                continue
            packets = []
            for _ in range(budget):
                ts = time_ns() // 1_000_000
                if ts <= last_ts[j]:
                    ts = last_ts[j] + 1
                last_ts[j] = ts
                packet_id = packet_id % 65535 + 1  # never reused while in flight: inflight < 65535
                packets.append(publish_packet(topics[j], packet_id, make_payload(ts, keys)))
                j += 1
                if j == devices:
                    j = 0
            sock.sendall(b"".join(packets))
            self.n_sent += budget
            self.sent[spec.index] = self.n_sent
            self._read_acks(0)

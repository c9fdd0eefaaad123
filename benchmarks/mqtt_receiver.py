"""One MQTT receiver alone: the CPU Maeul's ingest subscriber spends per message, with storage taken out.

    python benchmarks/mqtt_receiver.py --seconds 15

A private Mosquitto (Maeul's generated configuration), two lean load publishers in their own processes (QoS 1,
messages of 4 readings from 1,000 devices, closed loop), and in this process one ``MqttIngestClient`` on the
shared subscription with the receiver processes' own sink (``ReceiverSink``: topic, device, payload parsing and
validation). A stand-in for the writer takes what the sink forwards, pickles it as the pipe would, and
acknowledges it at once, so every PUBACK still waits for a "commit". Prints the messages acknowledged per
second and this process's CPU time per message (client, sink and stand-in together), beside the broker's own
publish-to-subscribe ceiling measured with lean clients. No target: a diagnostic for docs/performance.md
(run 10), which shows what the MQTT receive path costs before any database is involved.
"""

from __future__ import annotations

import pickle
import queue
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from maeul.adapters.mqtt.subscriber import MqttIngestClient
from maeul.adapters.sql.devices import DeviceContext
from maeul.benchmarking.ceilings import broker_ceiling
from maeul.benchmarking.environment import bench_broker, load_publishers
from maeul.benchmarking.workload import RETENTION_DAYS
from maeul.core.profiles import ProfileSpec
from maeul.platform.gc_tuning import tune_for_ingest
from maeul.platform.ingest_receiver import MESSAGE, REJECT, ReceiverSink

DEVICES = 1000
WINDOW = 10_000
WARM_UP_S = 3.0
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


class _AnyDevice:
    """The sink's device lookup without a database: every device exists, with a profile taking numeric keys."""

    def __init__(self) -> None:
        self._spec = ProfileSpec({}, accept_any_numeric=True)
        self._known: dict[int, DeviceContext] = {}

    def by_id(self, tenant_id: str, device_id: int) -> DeviceContext:
        ctx = self._known.get(device_id)
        if ctx is None:
            ctx = self._known[device_id] = DeviceContext(device_id, tenant_id, self._spec, RETENTION_DAYS, "Asia/Seoul")
        return ctx


class _InstantWriter(threading.Thread):
    """Takes the sink's records every few milliseconds, pickles them as the pipe would, acknowledges them."""

    def __init__(self, sink: ReceiverSink) -> None:
        super().__init__(name="bench-instant-writer", daemon=True)
        self.sink = sink
        self.acked = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        outbox = self.sink.outbox
        while not self.stopped.is_set():
            try:
                first = outbox.get(timeout=0.1)
            except queue.Empty:
                continue
            time.sleep(0.005)
            records: list[Any] = [first]
            while True:
                try:
                    records.append(outbox.get_nowait())
                except queue.Empty:
                    break
            pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)
            tokens = [r[1] for r in records if r is not None and r[0] in (MESSAGE, REJECT) and r[1]]
            self.sink.acknowledge(tokens)
            self.acked += len(tokens)


@app.command()
def main(
    seconds: Annotated[float, typer.Option(help="measured seconds, after a 3 s warm-up")] = 15.0,
    publishers: Annotated[int, typer.Option(help="load publisher processes")] = 2,
    ceiling_seconds: Annotated[float, typer.Option(help="the broker ceiling's duration (0: skip it)")] = 5.0,
) -> None:
    """Measure one receiver's messages/s and CPU per message; print them beside the broker's ceiling."""
    console = Console()
    ceiling = broker_ceiling(ceiling_seconds, devices=DEVICES, publishers=publishers) if ceiling_seconds > 0 else None
    with tempfile.TemporaryDirectory(prefix="maeul-bench-receiver-") as tmp, bench_broker(Path(tmp)) as broker:
        sink = ReceiverSink(_AnyDevice())  # type: ignore[arg-type]
        writer = _InstantWriter(sink)
        writer.start()
        client = MqttIngestClient(broker.ingest_url, client_id="bench-receiver", share_group="maeul", sink=sink)
        client.start()
        tune_for_ingest()
        group = load_publishers(broker, list(range(1, DEVICES + 1)), processes=publishers, readings=4, window=WINDOW)
        try:
            group.start()
            group.set_credit(WINDOW)
            group.go()

            def pump(until: float) -> None:
                while time.monotonic() < until:
                    group.set_credit(writer.acked + WINDOW)
                    time.sleep(0.005)

            pump(time.monotonic() + WARM_UP_S)
            cpu0, acked0, wall0 = time.process_time(), writer.acked, time.monotonic()
            pump(wall0 + seconds)
            cpu1, acked1, wall1 = time.process_time(), writer.acked, time.monotonic()
        finally:
            group.stop()
            client.stop()
            writer.stopped.set()
            writer.join()
    messages = acked1 - acked0
    if messages == 0:
        console.print("[red]no message was acknowledged / 확인된 메시지 없음[/red]")
        raise typer.Exit(1)
    rate = messages / (wall1 - wall0)
    cpu_us = (cpu1 - cpu0) / messages * 1e6
    console.print(f"receiver alone / 수신기 단독: {rate:,.0f} msg/s acknowledged over {wall1 - wall0:.1f} s")
    console.print(
        f"CPU per message / 메시지당 CPU: {cpu_us:.1f} µs "
        f"({(cpu1 - cpu0) / (wall1 - wall0) * 100:.0f}% of a core; client, sink and the stand-in writer)"
    )
    if ceiling is not None:
        console.print(
            f"broker ceiling / 브로커 한계 (lean subscriber): {ceiling.messages_per_s:,.0f} msg/s; "
            f"the receiver reached {rate / ceiling.messages_per_s:.0%} of it"
        )


if __name__ == "__main__":
    app()

"""Feed the demo's homes: a day of history at first start, then live readings through the ingest pipeline."""

from __future__ import annotations

import random
import threading
import time

import orjson
from rich.console import Console
from rich.progress import Progress

from maeul.cli.demo_setup import DemoDevice
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.simulate.rhythms import HomeProfile, reading_at


class DemoFeeder:
    def __init__(self, platform: Platform, devices: list[DemoDevice], interval_s: float, seed: int = 7) -> None:
        self.platform = platform
        self.devices = devices
        self.interval_s = interval_s
        self.rng = random.Random(seed)
        self.homes = {d.id: HomeProfile.random(self.rng) for d in devices}
        self._stop = threading.Event()

    def _payload(self, device: DemoDevice, ts: int, interval_s: int) -> bytes:
        values = reading_at(self.homes[device.id], ts, interval_s, self.rng)
        return orjson.dumps({"ts": ts, "values": values})

    def backfill(self, hours: int, console: Console) -> None:
        """Create ``hours`` of past readings (every 5 minutes) unless the database already has them."""
        if hours <= 0 or not self.devices:
            return
        step_ms = 5 * 60_000
        end = now_ms()
        start = end - hours * 3_600_000
        with self.platform.engine.connect() as conn:
            from maeul.adapters.sql.telemetry_query import latest

            if latest(conn, self.devices[0].id):
                return
        steps = list(range(start, end, step_ms))
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("과거 측정값 생성 / creating history", total=len(self.devices))
            for device in self.devices:
                entries = [{"ts": ts, "values": reading_at(self.homes[device.id], ts, 300, self.rng)} for ts in steps]
                self.platform.ingest.submit_http(device.token, orjson.dumps(entries))
                progress.advance(task)

    def run(self) -> None:
        """Send one message per home every ``interval_s`` seconds until stopped."""
        spacing = self.interval_s / max(1, len(self.devices))
        next_at = time.monotonic()
        while not self._stop.is_set():
            for device in self.devices:
                if self._stop.wait(max(0.0, next_at - time.monotonic())):
                    return
                next_at += spacing
                try:
                    self.platform.ingest.submit_http(
                        device.token, self._payload(device, now_ms(), int(self.interval_s))
                    )
                except Exception:  # the demo keeps going; the pipeline logs the cause
                    time.sleep(1)

    def stop(self) -> None:
        self._stop.set()

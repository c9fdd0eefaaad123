"""Drive simulated devices at a steady total rate through a transport: daily rhythms or a replayed file."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.simulate.fleet import SimDevice, ensure_sim_devices
from maeul.simulate.occupancy import OccupancyRow
from maeul.simulate.rhythms import home_profile, reading_at
from maeul.simulate.transports import InProcessTransport, Transport

DAY_MS = 86_400_000
MAX_ERROR_KINDS = 20


@dataclass
class SimConfig:
    """How fast, how long, and what to send.

    ``time_scale`` > 1 makes simulated time run faster than the wall clock: with a duration, simulated time
    starts ``duration × (time_scale − 1)`` seconds in the past and reaches "now" at the end; without one it
    starts a day ago, and timestamps never pass the wall clock (once caught up, the simulation runs live).
    A replay sends each row to every device, device ``i`` shifted ``i × replay_offset_s`` seconds earlier;
    the rows are shifted so the newest lands at the start time, unless ``keep_timestamps``.
    """

    rate: float = 1.0  # messages per second, all devices together
    duration_s: float = 60.0  # 0: until stop() (or until the replay ends, or ``messages`` are sent)
    messages: int | None = None  # stop after this many messages, however long they take to send
    time_scale: float = 1.0
    seed: int = 0
    concurrency: int = 16  # messages in flight at once
    sim_start_ms: int | None = None
    replay: Sequence[OccupancyRow] | None = None
    keep_timestamps: bool = False
    replay_offset_s: float = 600.0

    def validate(self) -> None:
        """ValueError (Korean and English) for settings that cannot work."""
        if not (self.rate > 0 and math.isfinite(self.rate)):
            raise ValueError(f"전송률은 0보다 커야 합니다 / the rate must be above 0 (got {self.rate})")
        if not (self.duration_s >= 0 and math.isfinite(self.duration_s)):
            raise ValueError(f"시간은 0 이상이어야 합니다 / the duration must be 0 or more (got {self.duration_s})")
        if not (self.time_scale > 0 and math.isfinite(self.time_scale)):
            raise ValueError(f"시간 배율은 0보다 커야 합니다 / the time scale must be above 0 (got {self.time_scale})")
        if self.messages is not None and self.messages < 1:
            count = self.messages
            raise ValueError(f"메시지 수는 1 이상이어야 합니다 / the message count must be at least 1 (got {count})")
        if self.concurrency < 1:
            raise ValueError("동시 전송 수는 1 이상 / concurrency must be at least 1")
        if self.replay is not None and not self.replay:
            raise ValueError("재생할 행이 없습니다 / the replay has no rows")


@dataclass
class SimStats:
    """Counters while running: messages handed to the transport, and how they ended."""

    sent: int = 0
    accepted: int = 0
    failed: int = 0
    readings: int = 0
    elapsed_s: float = 0.0
    planned: int | None = None


@dataclass(frozen=True)
class SimReport:
    """The outcome of a run; ``completed`` is False when it was stopped early."""

    transport: str
    mode: str
    devices: int
    sent: int
    accepted: int
    failed: int
    readings: int
    elapsed_s: float
    rate: float
    target_rate: float
    completed: bool
    errors: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Simulator:
    """Sends message ``k`` at ``start + k / rate`` on the monotonic clock (no drift), devices in turn."""

    def __init__(self, devices: Sequence[SimDevice], transport: Transport, config: SimConfig | None = None) -> None:
        if not devices:
            raise ValueError("no devices to simulate")
        self.devices = list(devices)
        self.transport = transport
        self.config = config or SimConfig()
        self.config.validate()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stats = SimStats(planned=self._planned())
        self._errors: Counter[str] = Counter()
        self._thread: threading.Thread | None = None
        self._outcome: SimReport | BaseException | None = None
        self._shift = 0  # replay: added to the rows' timestamps
        self._sim_start = 0  # rhythms: simulated time of the first message
        self._t0: float | None = None  # monotonic start of sending; elapsed_s is live until the run ends
        seed = self.config.seed
        self._homes = [home_profile(seed * 1_000_003 + d.id) for d in self.devices]
        self._rngs = [random.Random(seed * 7_919 + d.id) for d in self.devices]

    def _planned(self) -> int | None:
        cfg = self.config
        limits = [math.ceil(cfg.duration_s * cfg.rate)] if cfg.duration_s > 0 else []
        if cfg.messages is not None:
            limits.append(cfg.messages)
        if cfg.replay is not None:
            limits.append(len(cfg.replay) * len(self.devices))
        return min(limits) if limits else None

    # --- messages ----------------------------------------------------------------------------------------

    def _plan_times(self, wall0: int) -> None:
        cfg = self.config
        if cfg.replay is not None:
            self._shift = 0 if cfg.keep_timestamps else wall0 - max(r.ts_ms for r in cfg.replay)
        elif cfg.sim_start_ms is not None:
            self._sim_start = cfg.sim_start_ms
        elif cfg.duration_s > 0:
            self._sim_start = wall0 - round(cfg.duration_s * max(0.0, cfg.time_scale - 1) * 1000)
        else:
            self._sim_start = wall0 - (DAY_MS if cfg.time_scale > 1 else 0)

    def _message(self, k: int) -> tuple[SimDevice, bytes, int]:
        cfg, n = self.config, len(self.devices)
        if cfg.replay is not None:
            j, i = divmod(k, n)
            row = cfg.replay[j]
            ts = row.ts_ms + self._shift - round(i * cfg.replay_offset_s * 1000)
            values: dict[str, float] = {
                "temperature": row.temperature,
                "humidity": row.humidity,
                "illuminance": row.light,
                "co2": row.co2,
                "motion": float(row.occupancy),  # the room's occupancy flag: someone moved there or not
            }
        else:
            i = k % n
            sim_ms = self._sim_start + k / cfg.rate * cfg.time_scale * 1000
            ts = min(round(sim_ms), now_ms())
            interval_s = n / cfg.rate * cfg.time_scale
            values = reading_at(self._homes[i], ts, interval_s, self._rngs[i])
        payload = orjson.dumps({"ts": ts, "values": values})
        return self.devices[i], payload, len(values)

    def _deliver(self, device: SimDevice, payload: bytes, readings: int, slots: threading.Semaphore) -> None:
        try:
            error = self.transport.send(device, payload)
        except Exception as exc:  # a transport bug must count as a failure, not kill the run
            error = f"{type(exc).__name__}: {exc}"
        finally:
            slots.release()
        with self._lock:
            if error is None:
                self._stats.accepted += 1
                self._stats.readings += readings
            else:
                self._stats.failed += 1
                kind = error[:300]
                if kind not in self._errors and len(self._errors) >= MAX_ERROR_KINDS:
                    kind = "(other errors)"
                self._errors[kind] += 1

    # --- running -----------------------------------------------------------------------------------------

    def _drive(self, t0: float, executor: ThreadPoolExecutor) -> bool:
        """Send on schedule; True if the planned messages (or the duration) ran out, False if stopped."""
        cfg, planned = self.config, self._stats.planned
        slots = threading.Semaphore(cfg.concurrency)
        deadline = t0 + cfg.duration_s if cfg.duration_s > 0 else math.inf
        k = 0
        while not self._stop.is_set():
            due = t0 + k / cfg.rate
            if (planned is not None and k >= planned) or due >= deadline:
                end = min(due, deadline)
                return not self._stop.wait(max(0.0, end - time.monotonic()))
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return False
            if time.monotonic() >= deadline:
                return True
            while not slots.acquire(timeout=0.2):
                if self._stop.is_set():
                    return False
            device, payload, readings = self._message(k)
            with self._lock:
                self._stats.sent += 1
            executor.submit(self._deliver, device, payload, readings, slots)
            k += 1
        return False

    def run(self) -> SimReport:
        """Open the transport, send until done or stopped, wait for the messages in flight, close."""
        self.transport.open(self.devices)
        completed = False
        t0 = self._t0 = time.monotonic()
        try:
            self._plan_times(now_ms())
            with ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="maeul-sim-send") as executor:
                completed = self._drive(t0, executor)
        finally:
            self.transport.close()
        with self._lock:
            self._stats.elapsed_s = time.monotonic() - t0
            stats, errors = SimStats(**asdict(self._stats)), dict(self._errors.most_common())
        elapsed = stats.elapsed_s
        return SimReport(
            transport=self.transport.name,
            mode="replay" if self.config.replay is not None else "rhythms",
            devices=len(self.devices),
            sent=stats.sent,
            accepted=stats.accepted,
            failed=stats.failed,
            readings=stats.readings,
            elapsed_s=round(elapsed, 3),
            rate=round(stats.sent / elapsed, 3) if elapsed > 0 else 0.0,
            target_rate=self.config.rate,
            completed=completed,
            errors=errors,
        )

    def stats(self) -> SimStats:
        """A snapshot of the counters."""
        with self._lock:
            snapshot = SimStats(**asdict(self._stats))
        if not snapshot.elapsed_s and self._t0 is not None:
            snapshot.elapsed_s = time.monotonic() - self._t0
        return snapshot

    def start(self) -> None:
        """Run in a background thread; ``stop()`` ends it, ``wait()`` gives the report."""
        if self._thread is not None:
            raise RuntimeError("simulator already started")

        def target() -> None:
            try:
                self._outcome = self.run()
            except BaseException as exc:
                self._outcome = exc

        self._thread = threading.Thread(target=target, name="maeul-simulator", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> SimReport | None:
        """The report once the background run ended (None on timeout); re-raises what made it fail."""
        if self._thread is None:
            raise RuntimeError("simulator not started")
        self._thread.join(timeout)
        if self._thread.is_alive():
            return None
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome

    def stop(self, timeout: float | None = 30.0) -> SimReport | None:
        """Stop sending; wait for the messages in flight and (if started in the background) the thread."""
        self._stop.set()
        if self._thread is None:
            return None
        return self.wait(timeout)


def start_feeder(
    platform: Platform,
    tenant_id: str,
    *,
    devices: int = 10,
    rate: float = 1.0,
    seed: int = 0,
    prefix: str = "sim",
    time_scale: float = 1.0,
) -> Simulator:
    """Keep simulated devices feeding a started platform in-process (no broker, no HTTP) until ``stop()``."""
    fleet = ensure_sim_devices(platform, tenant_id, devices, prefix, seed=seed)
    config = SimConfig(rate=rate, duration_s=0, time_scale=time_scale, seed=seed)
    simulator = Simulator(fleet, InProcessTransport(platform), config)
    simulator.start()
    return simulator

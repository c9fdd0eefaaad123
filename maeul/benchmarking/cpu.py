"""CPU time of processes and of the whole machine, from ``/proc`` (Linux); empty figures elsewhere."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process (all its threads), or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime: fields 14 and 15 of stat(5)


def _all_processes() -> dict[int, tuple[str, float]]:
    """Every process's (name, CPU seconds) from /proc, for naming the busiest outsiders."""
    out: dict[int, tuple[str, float]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return out
    for entry in entries:
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = text[text.find("(") + 1 : text.rfind(")")]
        fields = text.rsplit(")", 1)[1].split()
        out[int(entry)] = (name, (int(fields[11]) + int(fields[12])) / _TICKS)
    return out


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of all cores since boot, or None without /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    values = [int(v) for v in first[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _TICKS, sum(values) / _TICKS


class CpuMeter:
    """CPU used by named groups of processes between :meth:`start` and :meth:`stop`, in % of one core.

    ``groups`` maps a name to a function giving the group's pids (asked at start and at stop; a process
    seen only at stop counts from zero). ``machine`` is the whole machine's busy share in % of all cores;
    ``others`` the busy time of every other process in % of one core (noise on a shared machine).
    """

    def __init__(self, groups: Mapping[str, Callable[[], Sequence[int]]]) -> None:
        self.groups = dict(groups)
        self._start: dict[str, dict[int, float]] = {}
        self._machine: tuple[float, float] | None = None
        self._t0 = 0.0
        self._everyone: dict[int, tuple[str, float]] = {}
        # The busiest processes outside the groups ("name (pid)", % of one core): who else used the machine.
        self.busiest_others: list[tuple[str, float]] = []

    def _sample(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for name, pids in self.groups.items():
            seconds = {pid: process_cpu_seconds(pid) for pid in pids()}
            out[name] = {pid: s for pid, s in seconds.items() if s is not None}
        return out

    def start(self) -> None:
        self._start = self._sample()
        self._everyone = _all_processes()
        self._machine = machine_cpu()
        self._t0 = time.monotonic()

    def stop(self) -> dict[str, float]:
        wall = max(time.monotonic() - self._t0, 1e-9)
        end = self._sample()
        shares: dict[str, float] = {}
        for name, pids in end.items():
            before = self._start.get(name, {})
            used = sum(seconds - before.get(pid, 0.0) for pid, seconds in pids.items())
            shares[name] = round(100.0 * used / wall, 1)
        ours_pids = {pid for pids in end.values() for pid in pids} | {p for s in self._start.values() for p in s}
        others = [
            (f"{name} ({pid})", 100.0 * (seconds - self._everyone.get(pid, (name, 0.0))[1]) / wall)
            for pid, (name, seconds) in _all_processes().items()
            if pid not in ours_pids and pid != os.getpid()
        ]
        others.sort(key=lambda item: -item[1])
        self.busiest_others = [(who, round(share, 1)) for who, share in others[:3] if share >= 5.0]
        machine = machine_cpu()
        if self._machine is not None and machine is not None:
            busy = machine[0] - self._machine[0]
            total = machine[1] - self._machine[1]
            if total > 0:
                cores = os.cpu_count() or 1
                ours = sum(shares.values())
                shares["machine"] = round(100.0 * busy / total, 1)
                # Busy time of processes outside the benchmark (other work on a shared machine), % of one core.
                shares["others"] = round(max(0.0, 100.0 * cores * busy / total - ours), 1)
        return shares

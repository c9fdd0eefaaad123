"""The rule thread's copy of the rule states it wrote: read from the database once, then kept in memory.

On one Maeul node the rule runner is the one writer of ``rule_states`` (beside the one ingest writer; see
:mod:`maeul.platform.ingest_receiver`), and it changes a device's states only while holding that device's lock, so
what it committed last is what the table holds. When several nodes share one PostgreSQL database, each writes
states the others must read: ``MAEUL_RULES_STATE_CACHE=false`` then gives a cache of size 0, which keeps nothing.

Reading the states back for every evaluation cost the rule thread a query and a JSON decoding per device and
evaluation (under load, a sixth of its cycle: docs/performance.md); now only devices not seen yet, or forgotten,
are read.

Entries are put only after their transaction committed and dropped when it failed, so a rolled-back write is read
again from the database. The cache is bounded: past ``limit`` devices, the oldest entries are forgotten (and read
again when needed), so memory stays bounded on installs of hundreds of thousands of devices.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from itertools import islice

from maeul.core.rules import RuleState

DeviceStates = dict[str, RuleState]  # rule id → state
DEFAULT_LIMIT = 250_000  # devices


class RuleStateCache:
    """Device → its rule states, as last committed by this process."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._states: dict[int, DeviceStates] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(
        self, device_ids: Sequence[int], load: Callable[[list[int]], dict[int, DeviceStates]]
    ) -> dict[int, DeviceStates]:
        """The states of ``device_ids``; those not cached are read with ``load`` (device ids → states) and kept."""
        out: dict[int, DeviceStates] = {}
        missing: list[int] = []
        with self._lock:
            for device_id in device_ids:
                states = self._states.get(device_id)
                if states is None:
                    missing.append(device_id)
                else:
                    out[device_id] = states
            self.hits += len(out)
            self.misses += len(missing)
        if missing:
            loaded = load(missing)
            fresh = {device_id: loaded.get(device_id, {}) for device_id in missing}
            out.update(fresh)
            self._store(fresh.items())
        return out

    def put_many(self, committed: dict[int, DeviceStates]) -> None:
        """Record states just committed: each device's full set (unchanged rules included)."""
        self._store(committed.items())

    def drop(self, device_ids: Iterable[int]) -> None:
        """Forget devices whose write failed or whose rules changed: their states are read again."""
        with self._lock:
            for device_id in device_ids:
                self._states.pop(device_id, None)

    def clear(self) -> None:
        with self._lock:
            self._states.clear()

    def __len__(self) -> int:
        return len(self._states)

    def _store(self, items: Iterable[tuple[int, DeviceStates]]) -> None:
        with self._lock:
            states = self._states
            for device_id, device_states in items:
                states.pop(device_id, None)  # re-inserted last: the oldest entries are the first forgotten
                states[device_id] = device_states
            excess = len(states) - self.limit
            if excess > 0:
                for device_id in list(islice(states, excess)):
                    del states[device_id]

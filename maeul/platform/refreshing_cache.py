"""Values read from the database in bulk, kept for a while and read again ahead of their expiry, off the hot path.

A message's device and its rules are looked up for every message; a miss means a query on the receiving thread
(an MQTT loop, the ingest writer). With entries that simply expired, a fleet of 1,000 devices and a 30 s lifetime
cost 33 such queries a second per process, each with its connection check and rollback. Here a background job
(:meth:`RefreshingCache.refresh_due`, about once a second) reads the entries about to expire again, all in one
bulk read, so the hot path finds them fresh. The lifetime still bounds how long a change made elsewhere (another
process, another server) goes unseen; changes made in this process are forgotten at once (:meth:`forget`).

Entries unused for ``keep_idle_s`` are dropped at their expiry instead of being read again: a device that
stopped sending costs nothing.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_TTL_S = 30.0
DEFAULT_KEEP_IDLE_S = 600.0
REFRESH_AHEAD_S = 3.0  # the job reads again what expires within this long


class _Entry(Generic[V]):
    __slots__ = ("expires", "used", "value")

    def __init__(self, value: V, expires: float, used: float) -> None:
        self.value = value
        self.expires = expires
        self.used = used


class RefreshingCache(Generic[K, V]):
    """``load(keys)`` returns the values of the keys it found; the others are cached as ``missing``.

    Lifetimes are spread over 0.5–1.5 × ``ttl_s`` so that keys first read together are not all due together.
    """

    def __init__(
        self,
        load: Callable[[list[K]], dict[K, V]],
        missing: V,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        keep_idle_s: float = DEFAULT_KEEP_IDLE_S,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._load = load
        self._missing = missing
        self.ttl_s = ttl_s
        self.keep_idle_s = keep_idle_s
        self._clock = clock
        self._rand = rand
        self._entries: dict[K, _Entry[V]] = {}
        self._lock = threading.Lock()
        self._generation = 0  # moved on by forget(): a read begun before it must not store what it read
        self.misses = 0  # keys read on the spot (not cached, or not refreshed in time)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V:
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry.expires > now:
            entry.used = now
            return entry.value
        return self._read_now([key], now)[key]

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The values of ``keys``; those not cached (or expired) are read together in one bulk load."""
        now = self._clock()
        out: dict[K, V] = {}
        absent: list[K] = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None and entry.expires > now:
                entry.used = now
                out[key] = entry.value
            else:
                absent.append(key)
        if absent:
            out.update(self._read_now(absent, now))
        return out

    def _read_now(self, keys: list[K], now: float) -> dict[K, V]:
        generation = self._generation
        found = self._load(keys)
        values = {key: found.get(key, self._missing) for key in keys}
        self.misses += len(keys)
        self._store(values, generation, used=now)
        return values

    def _store(self, values: dict[K, V], generation: int, used: float | None) -> None:
        """Keep what was read, unless something was forgotten meanwhile (it may have been read before the change)."""
        now = self._clock()
        with self._lock:
            if generation != self._generation:
                return
            for key, value in values.items():
                expires = now + self.ttl_s * (0.5 + self._rand())
                entry = self._entries.get(key)
                if entry is None:
                    self._entries[key] = _Entry(value, expires, now if used is None else used)
                else:
                    entry.value, entry.expires = value, expires
                    if used is not None:
                        entry.used = used

    def refresh_due(self, ahead_s: float = REFRESH_AHEAD_S) -> int:
        """Read again, in one bulk load, the entries expiring within ``ahead_s`` that were used lately; drop the
        idle ones. Returns how many keys were read."""
        now = self._clock()
        horizon = now + ahead_s
        with self._lock:
            generation = self._generation
            due = [(key, entry) for key, entry in self._entries.items() if entry.expires <= horizon]
            keys: list[K] = []
            for key, entry in due:
                if now - entry.used > self.keep_idle_s:
                    del self._entries[key]
                else:
                    keys.append(key)
        if not keys:
            return 0
        found = self._load(keys)
        self._store({key: found.get(key, self._missing) for key in keys}, generation, used=None)
        return len(keys)

    def forget(self, which: Callable[[K, V], bool] | None = None) -> None:
        """Drop every entry (``which`` None) or those it selects; reads under way will not store theirs."""
        with self._lock:
            self._generation += 1
            if which is None:
                self._entries.clear()
                return
            for key in [k for k, e in self._entries.items() if which(k, e.value)]:
                del self._entries[key]

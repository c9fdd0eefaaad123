"""The fast path for silence over many devices: which devices' "no data" starts or ends at ``now_ms``.

The scheduler reads (device, last seen) from the latest-values table and the open alarms of the rule, and asks
which devices changed: a silence starts when ``now - last_seen >= silent`` and no alarm is open (start =
``last_seen + silent``); it ends when an alarm is open and the device is no longer silent (end = ``last_seen``,
never before the alarm's start). This is the same arithmetic as ``step`` with a ``Tick`` for ``NoData``, so the
usual way to use it is as a filter: call ``step`` with a ``Tick`` only for the few devices returned, to update
their rule state and get the ``Raised``/``Cleared`` details. The same applies to no-activity with the time of the
last activity in place of ``last_seen``.

``silence_edges`` is plain Python (tens of milliseconds for 200,000 devices); ``silence_edges_np`` does the same
on NumPy arrays (about a millisecond) for a scheduler that already holds columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MISSING = np.iinfo(np.int64).min
"""In the NumPy variant: no last-seen time (never seen) or no open alarm."""


@dataclass(frozen=True, slots=True)
class SilenceEdges:
    started: list[tuple[int, int]]  # (device id, start_ts)
    ended: list[tuple[int, int]]  # (device id, end_ts)


def silence_edges(
    device_ids: Sequence[int],
    last_seen_ms: Sequence[int | None],
    silent_s: int | Sequence[int],
    open_since: Sequence[int | None],
    now_ms: int,
) -> SilenceEdges:
    """Devices whose silence starts or ends at ``now_ms``; ``silent_s`` is one threshold or one per device."""
    started: list[tuple[int, int]] = []
    ended: list[tuple[int, int]] = []
    if isinstance(silent_s, int):
        silent_ms = silent_s * 1000
        limit = now_ms - silent_ms
        for device, seen, since in zip(device_ids, last_seen_ms, open_since, strict=True):
            if seen is None:
                continue
            if seen <= limit:
                if since is None:
                    started.append((device, seen + silent_ms))
            elif since is not None:
                ended.append((device, seen if seen > since else since))
        return SilenceEdges(started, ended)
    for device, seen, silent, since in zip(device_ids, last_seen_ms, silent_s, open_since, strict=True):
        if seen is None:
            continue
        deadline = seen + silent * 1000
        if deadline <= now_ms:
            if since is None:
                started.append((device, deadline))
        elif since is not None:
            ended.append((device, seen if seen > since else since))
    return SilenceEdges(started, ended)


Int64s = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SilenceEdgeArrays:
    started_ids: Int64s
    started_ts: Int64s
    ended_ids: Int64s
    ended_ts: Int64s


def silence_edges_np(
    device_ids: Int64s, last_seen_ms: Int64s, silent_s: int | Int64s, open_since: Int64s, now_ms: int
) -> SilenceEdgeArrays:
    """``silence_edges`` on int64 arrays; ``MISSING`` marks never-seen devices and devices without an open alarm."""
    seen = last_seen_ms != MISSING
    deadline = last_seen_ms + np.asarray(silent_s, dtype=np.int64) * 1000
    silent = seen & (deadline <= now_ms)
    is_open = open_since != MISSING
    start = silent & ~is_open
    end = seen & ~silent & is_open
    return SilenceEdgeArrays(
        device_ids[start],
        deadline[start],
        device_ids[end],
        np.maximum(last_seen_ms[end], open_since[end]),
    )

"""Time the silence fast path over 200,000 devices (a script, not a test: ``python tests/core/rules/bench_batch.py``).

Steady state with a tick every minute: each device has a last-seen time within the past two hours and a threshold
of 10, 30 or 60 minutes; devices whose silence began before the previous tick already have an open alarm, and 0.5 %
of the devices with an open alarm have just come back. Prints the best of several runs for the plain-Python path
(one threshold, and one per device), the NumPy path, and ``step`` with a ``Tick`` for the devices the fast path
returned.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import numpy as np

from maeul.core.rules import NoData, Rule, RuleState, Tick, silence_edges, silence_edges_np, step
from maeul.core.rules.batch import MISSING
from maeul.core.rules.state import initial_state

DEVICES = 200_000
NOW = 1_800_000_000_000
MIN = 60_000


def best(label: str, runs: int, fn: Callable[[], object]) -> object:
    times = []
    result: object = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<52} {min(times) * 1000:8.1f} ms (best of {runs}, median {sorted(times)[runs // 2] * 1000:.1f} ms)")
    return result


def main() -> None:
    rng = random.Random(7)
    ids = list(range(DEVICES))
    last_seen: list[int | None] = [NOW - rng.randrange(0, 120 * MIN) for _ in ids]
    silent = [rng.choice((600, 1800, 3600)) for _ in ids]
    open_since: list[int | None] = []
    for d in ids:
        seen = last_seen[d]
        assert seen is not None
        deadline = seen + silent[d] * 1000
        if deadline <= NOW - MIN:  # already raised by an earlier tick
            open_since.append(deadline)
        elif rng.random() < 0.005:  # silent earlier, and a reading has just arrived
            open_since.append(seen - MIN)
        else:
            open_since.append(None)

    best("silence_edges, one threshold (30 min)*", 7, lambda: silence_edges(ids, last_seen, 1800, open_since, NOW))
    edges = best(
        "silence_edges, per-device thresholds", 7, lambda: silence_edges(ids, last_seen, silent, open_since, NOW)
    )

    a_ids = np.array(ids, dtype=np.int64)
    a_seen = np.array([MISSING if s is None else s for s in last_seen], dtype=np.int64)
    a_silent = np.array(silent, dtype=np.int64)
    a_open = np.array([MISSING if o is None else o for o in open_since], dtype=np.int64)
    best("silence_edges_np, per-device thresholds", 7, lambda: silence_edges_np(a_ids, a_seen, a_silent, a_open, NOW))

    assert edges is not None
    started, ended = edges.started, edges.ended  # type: ignore[attr-defined]
    print(f"  → {len(started)} silences start, {len(ended)} end at this tick")

    # The filter's follow-up: step with a Tick only for the devices returned (their states loaded from the DB).
    changed = [d for d, _ in started] + [d for d, _ in ended]
    rules = {s: Rule("offline", "통신 두절", "offline", "warning", NoData(s)) for s in (600, 1800, 3600)}
    states: dict[int, RuleState] = {}
    for d in changed:
        base = initial_state(rules[silent[d]].condition)
        seen = last_seen[d]
        states[d] = RuleState(base.fingerprint, {"last_seen": seen}, open_since[d], seen)

    def follow_up() -> int:
        count = 0
        for d in changed:
            _, transitions = step(rules[silent[d]], states[d], Tick(NOW, last_seen[d]), NOW)
            count += len(transitions)
        return count

    transitions = best(f"step(Tick) for those {len(changed)} devices", 5, follow_up)
    print(f"  → {transitions} transitions")
    print("* the open alarms were made for per-device thresholds: this line times the loop, its edges mean little")


if __name__ == "__main__":
    main()

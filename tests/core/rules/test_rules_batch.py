"""The silence fast path: starts and ends, per-device thresholds, and the NumPy variant agreeing with it."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from maeul.core.rules import silence_edges, silence_edges_np
from maeul.core.rules.batch import MISSING

NOW = 1_800_000_000_000
MIN = 60_000


def test_starts_and_ends() -> None:
    edges = silence_edges(
        device_ids=[1, 2, 3, 4, 5, 6],
        last_seen_ms=[NOW - 31 * MIN, NOW - 30 * MIN, NOW - 29 * MIN, NOW - 5 * MIN, None, NOW - 40 * MIN],
        silent_s=1800,
        open_since=[None, None, None, NOW - 60 * MIN, None, NOW - 10 * MIN],
        now_ms=NOW,
    )
    # 1 and 2 fall silent (30 min is enough), 3 not yet; 4 came back; 5 was never seen; 6 is still silent.
    assert edges.started == [(1, NOW - MIN), (2, NOW)]
    assert edges.ended == [(4, NOW - 5 * MIN)]


def test_per_device_thresholds_and_an_end_never_before_the_start() -> None:
    edges = silence_edges(
        [1, 2, 3], [NOW - 10 * MIN, NOW - 10 * MIN, NOW - MIN], [300, 900, 600], [None, None, NOW], NOW
    )
    assert edges.started == [(1, NOW - 5 * MIN)]
    assert edges.ended == [(3, NOW)]


devices = st.lists(
    st.tuples(
        st.none() | st.integers(NOW - 300 * MIN, NOW + MIN),
        st.sampled_from([60, 600, 3600]),
        st.none() | st.integers(NOW - 300 * MIN, NOW),
    ),
    max_size=50,
)


@given(devices)
def test_numpy_variant_agrees(rows: list[tuple[int | None, int, int | None]]) -> None:
    ids = list(range(len(rows)))
    seen = [r[0] for r in rows]
    silent = [r[1] for r in rows]
    opened = [r[2] for r in rows]
    expected = silence_edges(ids, seen, silent, opened, NOW)
    arrays = silence_edges_np(
        np.array(ids, dtype=np.int64),
        np.array([MISSING if s is None else s for s in seen], dtype=np.int64),
        np.array(silent, dtype=np.int64),
        np.array([MISSING if o is None else o for o in opened], dtype=np.int64),
        NOW,
    )
    assert list(zip(arrays.started_ids.tolist(), arrays.started_ts.tolist(), strict=True)) == expected.started
    assert list(zip(arrays.ended_ids.tolist(), arrays.ended_ts.tolist(), strict=True)) == expected.ended

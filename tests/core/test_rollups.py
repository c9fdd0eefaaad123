"""Rollup arithmetic: bucket boundaries, per-bucket aggregates against a naive computation, intervals."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maeul.core.rollups import (
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    Aggregate,
    aggregate,
    best_rollup,
    bucket_start,
    parse_interval,
)

SEOUL = 9 * HOUR_MS


@pytest.mark.parametrize(
    ("ts", "period", "offset", "start"),
    [
        (0, MINUTE_MS, 0, 0),
        (MINUTE_MS - 1, MINUTE_MS, 0, 0),
        (MINUTE_MS, MINUTE_MS, 0, MINUTE_MS),
        (-1, MINUTE_MS, 0, -MINUTE_MS),
        # 2026-11-19T14:59:59.999Z is 23:59:59.999 in Seoul; one millisecond later is the next local day.
        (1_795_100_399_999, DAY_MS, SEOUL, 1_795_014_000_000),
        (1_795_100_400_000, DAY_MS, SEOUL, 1_795_100_400_000),
        (1_795_100_400_000, HOUR_MS, SEOUL, 1_795_100_400_000),
        # Kolkata (UTC+5:30): local hours start at half past the UTC hour.
        (1_795_103_400_000, HOUR_MS, 5 * HOUR_MS + 30 * MINUTE_MS, 1_795_102_200_000),
    ],
)
def test_bucket_start(ts: int, period: int, offset: int, start: int) -> None:
    assert bucket_start(ts, period, offset) == start


def test_day_buckets_start_at_local_midnight() -> None:
    for ts in (1_795_000_000_000, 1_795_057_199_999, 1_795_057_200_000, 1_800_000_000_123):
        local = datetime.fromtimestamp(ts / 1000, ZoneInfo("Asia/Seoul"))
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        assert bucket_start(ts, DAY_MS, SEOUL) == int(midnight.timestamp() * 1000)


rows = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=3),
        st.sampled_from(["a", "b"]),
        st.integers(min_value=946_684_800_000, max_value=946_684_800_000 + 5 * DAY_MS),
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    ),
    max_size=60,
)


@given(rows, st.sampled_from([MINUTE_MS, HOUR_MS, DAY_MS, 15 * MINUTE_MS]), st.sampled_from([0, SEOUL, -5 * HOUR_MS]))
def test_aggregate_equals_a_naive_computation(
    batch: list[tuple[int, str, int, float]], period: int, offset: int
) -> None:
    naive: dict[tuple[int, str, int], list[float]] = defaultdict(list)
    for device_id, key, ts, value in batch:
        start = ts - (ts + offset) % period  # a different formula for the same boundary
        naive[(device_id, key, start)].append(value)
    result = aggregate(batch, period, offset)
    assert set(result) == set(naive)
    for k, values in naive.items():
        agg = result[k]
        assert agg.count == len(values) and agg.min == min(values) and agg.max == max(values)
        assert agg.sum == pytest.approx(sum(values), rel=1e-9, abs=1e-6)
        assert agg.avg == pytest.approx(sum(values) / len(values), rel=1e-9, abs=1e-6)


@given(rows, st.integers(min_value=0, max_value=60))
def test_merging_aggregates_of_parts_equals_aggregating_the_whole(batch: list, cut: int) -> None:
    whole = aggregate(batch, HOUR_MS)
    left, right = aggregate(batch[:cut], HOUR_MS), aggregate(batch[cut:], HOUR_MS)
    for k, agg in right.items():
        if k in left:
            left[k].merge(agg)
        else:
            left[k] = Aggregate(agg.count, agg.min, agg.max, agg.sum)
    assert set(left) == set(whole)
    for k, agg in whole.items():
        assert (left[k].count, left[k].min, left[k].max) == (agg.count, agg.min, agg.max)
        assert left[k].sum == pytest.approx(agg.sum, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1m", MINUTE_MS),
        ("15m", 15 * MINUTE_MS),
        (" 1H ", HOUR_MS),
        ("1d", DAY_MS),
        ("30s", 30_000),
        ("60000", MINUTE_MS),
        ("7d", 7 * DAY_MS),
    ],
)
def test_parse_interval(text: str, ms: int) -> None:
    assert parse_interval(text) == ms


@pytest.mark.parametrize(
    "text",
    [
        "",
        "m",
        "0m",
        "-1h",
        "1.5h",
        "1w",
        "abc",
        "1 h",
        "0",
        "²m",
    ],
)
def test_parse_interval_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


@pytest.mark.parametrize(
    ("interval", "table"),
    [
        (MINUTE_MS, "minute"),
        (15 * MINUTE_MS, "minute"),
        (HOUR_MS, "hour"),
        (90 * MINUTE_MS, "minute"),
        (6 * HOUR_MS, "hour"),
        (DAY_MS, "day"),
        (2 * DAY_MS, "day"),
        (30_000, None),
        (90_000, None),
    ],
)
def test_best_rollup(interval: int, table: str | None) -> None:
    assert best_rollup(interval) == table

"""Hypothesis strategies: valid conditions and rules of every built-in kind, nested in all/any."""

from __future__ import annotations

from hypothesis import strategies as st

from maeul.core.rules import (
    All,
    Any,
    Condition,
    Geofence,
    NoActivity,
    NoData,
    Range,
    RateOfChange,
    Rule,
    Schedule,
    Threshold,
)
from maeul.core.rules.conditions import ACTIVE_OPS, DIRECTIONS, OPS
from maeul.core.rules.events import SEVERITIES

KEYS = ("t", "h", "motion")


def _threshold(key: str, op: str, value: float, gap: float | None, hold_s: int) -> Threshold:
    clear = None if gap is None else (value - gap if op in (">", ">=") else value + gap)
    return Threshold(key, op, value, clear, hold_s)  # type: ignore[arg-type]


def conditions(values: st.SearchStrategy[float], holds: st.SearchStrategy[int]) -> st.SearchStrategy[Condition]:
    """Leaf conditions over KEYS with parameters drawn from ``values``; ``holds`` for hold and silence times."""
    keys = st.sampled_from(KEYS)
    gaps = st.none() | st.floats(0, 20, allow_nan=False)
    threshold = st.builds(_threshold, keys, st.sampled_from(OPS), values, gaps, holds)
    range_ = st.builds(
        lambda key, low, width, frac, hold: Range(key, low, low + width, width * frac / 2, hold),
        keys, values, st.floats(0, 50, allow_nan=False), st.floats(0, 1), holds,
    ).filter(lambda c: c.low + c.hysteresis <= c.high - c.hysteresis)  # fmt: skip
    rate = st.builds(RateOfChange, keys, holds.map(lambda s: max(s, 1)), st.floats(0, 30), st.sampled_from(DIRECTIONS))
    no_data = st.builds(NoData, holds.map(lambda s: max(s, 1)), st.none() | keys)
    no_activity = st.builds(
        NoActivity, keys, holds.map(lambda s: max(s, 1)), st.sampled_from(ACTIVE_OPS), st.floats(0, 2)
    )
    geofence = st.builds(
        lambda lon, lat, w, h, inside: Geofence(
            (((( lon, lat), (lon + w, lat), (lon + w, lat + h), (lon, lat + h), (lon, lat)),),), inside
        ),
        st.floats(126.9, 127.1), st.floats(37.4, 37.6), st.floats(0.01, 0.2), st.floats(0.01, 0.2), st.booleans(),
    )  # fmt: skip
    return threshold | range_ | rate | no_data | no_activity | geofence


def schedules() -> st.SearchStrategy[Schedule]:
    hhmm = st.integers(0, 1439).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")
    days = st.sets(st.integers(1, 7), min_size=1).map(lambda s: tuple(sorted(s)))
    return st.builds(Schedule, days, hhmm, hhmm, st.sampled_from(["Asia/Seoul", "UTC", "Asia/Tokyo"]))


def trees(leaves: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
    """Leaves and schedules combined in all/any up to a few levels; the top is never a bare schedule."""
    children = st.recursive(
        leaves | schedules(),
        lambda inner: st.lists(inner, min_size=1, max_size=3).map(tuple).flatmap(
            lambda cs: st.sampled_from([All(cs), Any(cs)])
        ),
        max_leaves=6,
    )  # fmt: skip
    return children.filter(lambda c: c.kind != "schedule")


ANY_VALUES = st.floats(-1e6, 1e6, allow_nan=False)
ANY_HOLDS = st.integers(0, 86_400)

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    str.strip
)
rules = st.builds(
    Rule,
    names,
    names,
    names,
    st.sampled_from(SEVERITIES),
    trees(conditions(ANY_VALUES, ANY_HOLDS)),
    st.booleans(),
)

"""Public statistics, pure: small counts suppressed (and the next smallest when the hidden ones could be worked
out from the total), medians only over enough resolved requests, the period respected."""

from __future__ import annotations

import pytest

from maeul.services.complaints.public_stats import Cell, compute, suppress

DAY = 86_400_000
NOW = 100 * DAY


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, ()),
        ({"a": 5, "b": 4}, (Cell("a", 5), Cell("b", 4))),
        # one hidden cell of 1 could be worked out from the total: the smallest shown cell is hidden too
        ({"a": 9, "b": 4, "c": 1}, (Cell("a", 9), Cell("b", None), Cell("c", None))),
        # two hidden cells adding up to 3 or more protect each other
        ({"a": 9, "b": 2, "c": 2}, (Cell("a", 9), Cell("b", None), Cell("c", None))),
        ({"a": 9, "b": 4, "c": 2, "d": 1}, (Cell("a", 9), Cell("b", 4), Cell("c", None), Cell("d", None))),
        ({"a": 2}, (Cell("a", None),)),
        ({"a": 3, "z": 0}, (Cell("a", 3),)),
    ],
)
def test_suppression(counts: dict[str, int], expected: tuple[Cell, ...]) -> None:
    assert suppress(counts) == expected


def row(category: str, district: str | None, status: str, days_ago: float, resolve_days: float | None = None) -> dict:
    requested = int(NOW - days_ago * DAY)
    closed = int(requested + resolve_days * DAY) if resolve_days is not None else None
    return {"category": category, "district": district, "status": status, "requested_at": requested,
            "closed_at": closed}  # fmt: skip


def test_counts_median_and_period() -> None:
    rows = [
        row("pothole", "A", "resolved", 1, 2.0),
        row("pothole", "A", "closed", 2, 4.0),
        row("pothole", "A", "resolved", 3, 1.0),
        row("pothole", "B", "received", 4),
        row("noise", "B", "received", 5),
        row("noise", None, "rejected", 6, 0.5),
        row("pothole", "A", "received", 45),  # only in the 90-day figures
    ]
    month = compute(rows, NOW, 30)
    assert month.total == 6 and month.resolved == 3 and month.median_days_to_resolve == 2.0
    # noise (2) is hidden, and pothole with it: the total minus pothole would give noise away
    assert month.by_category == (Cell("pothole", None), Cell("noise", None))
    assert month.by_district == (Cell("A", 3), Cell("B", None), Cell("-", None))
    assert month.by_status == (Cell("received", None), Cell("resolved", None), Cell("closed", None),
                               Cell("rejected", None))  # fmt: skip
    quarter = compute(rows, NOW, 90)
    assert quarter.total == 7 and quarter.by_district[0] == Cell("A", 4)
    with pytest.raises(ValueError, match="days"):
        compute(rows, NOW, 7)


def test_small_totals_and_medians_are_hidden() -> None:
    rows = [row("pothole", "A", "resolved", 1, 2.0), row("pothole", "A", "resolved", 2, 3.0)]
    stats = compute(rows, NOW, 30)
    assert stats.total is None and stats.resolved is None and stats.median_days_to_resolve is None
    assert stats.by_category == (Cell("pothole", None),)
    empty = compute([], NOW, 30)
    assert empty.total == 0 and empty.by_category == () and empty.median_days_to_resolve is None

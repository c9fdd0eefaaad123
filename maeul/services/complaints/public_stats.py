"""Public statistics of complaints, pure: counts by category, district and status and the median time to
resolve, with small counts suppressed so that no single resident's report can be singled out.

Rule: a count below ``MIN_COUNT`` is shown as "fewer than 3"; when the hidden cells of one table add up to less
than ``MIN_COUNT`` (so the total minus the shown cells would give one away), the smallest shown cell is hidden
too (secondary suppression). A median needs ``MIN_COUNT`` resolved requests. Only codes and times come in:
never text, names or contacts.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_COUNT = 3
PERIODS = (30, 90)
RESOLVED = frozenset({"resolved", "closed"})


@dataclass(frozen=True, slots=True)
class Cell:
    key: str
    count: int | None  # None: suppressed (fewer than MIN_COUNT, or hidden to protect one that is)


@dataclass(frozen=True, slots=True)
class PublicStats:
    days: int
    total: int | None
    by_category: tuple[Cell, ...]
    by_district: tuple[Cell, ...]
    by_status: tuple[Cell, ...]
    resolved: int | None
    median_days_to_resolve: float | None


def suppress(counts: Mapping[str, int], minimum: int = MIN_COUNT) -> tuple[Cell, ...]:
    """Cells in descending count order (then key), small ones hidden (see the module's rule)."""
    ordered = sorted(((k, v) for k, v in counts.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    hidden = {k for k, v in ordered if v < minimum}
    if hidden and sum(counts[k] for k in hidden) < minimum:
        shown = [(k, v) for k, v in ordered if k not in hidden]
        if shown:
            hidden.add(min(shown, key=lambda kv: (kv[1], kv[0]))[0])
    return tuple(Cell(k, None if k in hidden else v) for k, v in ordered)


def compute(rows: Iterable[Mapping[str, object]], now_ms: int, days: int) -> PublicStats:
    """Statistics of the requests made in the last ``days`` days; rows carry ``category``, ``district`` (code or
    None: counted as "unknown"), ``status``, ``requested_at`` and ``closed_at`` (epoch ms)."""
    if days not in PERIODS:
        raise ValueError(f"days must be one of {PERIODS}")
    since = now_ms - days * 86_400_000
    by_category: Counter[str] = Counter()
    by_district: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    durations: list[float] = []
    total = 0
    for row in rows:
        requested = int(row["requested_at"])  # type: ignore[call-overload]
        if requested < since or requested > now_ms:
            continue
        total += 1
        by_category[str(row["category"])] += 1
        by_district[str(row["district"] or "-")] += 1
        status = str(row["status"])
        by_status[status] += 1
        closed = row.get("closed_at")
        if status in RESOLVED and closed is not None:
            durations.append(max(0, int(closed) - requested) / 86_400_000)  # type: ignore[call-overload]
    resolved = len(durations)
    return PublicStats(
        days=days,
        total=total if total >= MIN_COUNT or total == 0 else None,
        by_category=suppress(by_category),
        by_district=suppress(by_district),
        by_status=suppress(by_status),
        resolved=resolved if resolved >= MIN_COUNT or resolved == 0 else None,
        median_days_to_resolve=round(statistics.median(durations), 1) if resolved >= MIN_COUNT else None,
    )

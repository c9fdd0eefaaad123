"""Process analytics from a plain list of status changes: handling time by department and category (median,
90th percentile), overdue share, transfers between departments, and the steps where requests wait longest."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import numpy as np

from maeul.services.complaints.ai.records import AiInputError, HandlingStats, ProcessReport, StatusEvent, StepStats

CLOSING = frozenset({"resolved", "closed", "rejected", "not_our_responsibility"})
NOT_COUNTED = frozenset({"duplicate"})  # merged into another request: no handling of its own


def _stats(
    key: str,
    requests: Sequence[str],
    hours: Mapping[str, float],
    overdue: Mapping[str, bool],
    transfers: Mapping[str, int],
) -> HandlingStats:
    done = [hours[r] for r in requests if r in hours]
    judged = [overdue[r] for r in requests if r in overdue]
    return HandlingStats(
        key=key,
        requests=len(requests),
        finished=len(done),
        median_hours=round(float(np.median(done)), 2) if done else None,
        p90_hours=round(float(np.percentile(done, 90)), 2) if done else None,
        overdue=sum(judged),
        overdue_share=round(sum(judged) / len(judged), 4) if judged else None,
        transfers=sum(transfers[r] for r in requests),
    )


def process_stats(
    events: Iterable[StatusEvent],
    now: datetime,
    *,
    deadlines: Mapping[str, datetime] | None = None,
    closing: frozenset[str] = CLOSING,
    bottleneck_share: float = 0.4,
) -> ProcessReport:
    """Analytics over every request's status history (events in any order; ``now`` ends open waits).

    Handling time: first event to first closing status. Overdue: closed after its deadline, or still open
    after it (``deadlines`` by request id, e.g. the legal deadline with extensions). A transfer: the department
    changes between two events. A step's wait: time from entering a status to the next event (or ``now``);
    a step is a bottleneck when its share of all waiting is the largest and at least ``bottleneck_share``.
    """
    history: dict[str, list[StatusEvent]] = {}
    for event in events:
        if event.at.tzinfo is None:
            raise AiInputError("상태 변경 시각에 시간대가 없습니다", f"event of {event.request_id}: time has no zone")
        history.setdefault(event.request_id, []).append(event)
    deadlines = deadlines or {}
    hours: dict[str, float] = {}
    overdue: dict[str, bool] = {}
    transfers: dict[str, int] = {}
    department_of: dict[str, str] = {}
    category_of: dict[str, str] = {}
    waits: dict[str, list[float]] = {}
    waits_by_department: dict[str, dict[str, float]] = {}
    for request, items in history.items():
        items.sort(key=lambda e: e.at)
        if any(e.status in NOT_COUNTED for e in items):
            continue
        departments = [e.department for e in items if e.department]
        transfers[request] = sum(1 for a, b in itertools.pairwise(departments) if a != b)
        department_of[request] = departments[-1] if departments else "-"
        categories = [e.category for e in items if e.category]
        category_of[request] = categories[-1] if categories else "-"
        end = next((e.at for e in items if e.status in closing), None)
        if end is not None:
            hours[request] = (end - items[0].at).total_seconds() / 3600
        if request in deadlines:
            overdue[request] = (end or now) > deadlines[request]
        for event, following in zip(items, [*items[1:], None], strict=True):
            if event.status in closing:
                break
            stop = following.at if following is not None else now
            wait = max(0.0, (stop - event.at).total_seconds() / 3600)
            waits.setdefault(event.status, []).append(wait)
            per = waits_by_department.setdefault(event.department or department_of[request], {})
            per[event.status] = per.get(event.status, 0.0) + wait
    counted = sorted(transfers)
    total_wait = sum(sum(v) for v in waits.values()) or 1.0
    steps = tuple(
        sorted(
            (
                StepStats(
                    status=status,
                    visits=len(values),
                    median_hours=round(float(np.median(values)), 2),
                    p90_hours=round(float(np.percentile(values, 90)), 2),
                    total_hours=round(sum(values), 2),
                    share=round(sum(values) / total_wait, 4),
                )
                for status, values in waits.items()
            ),
            key=lambda s: (-s.share, s.status),
        )
    )
    bottlenecks = tuple(s.status for s in steps[:1] if s.share >= bottleneck_share)

    def grouped(of: Mapping[str, str]) -> tuple[HandlingStats, ...]:
        keys = sorted({of[r] for r in counted})
        return tuple(_stats(k, [r for r in counted if of[r] == k], hours, overdue, transfers) for k in keys)

    return ProcessReport(
        by_department=grouped(department_of),
        by_category=grouped(category_of),
        steps=steps,
        bottlenecks=bottlenecks,
        department_bottlenecks={d: max(per, key=lambda s: per[s]) for d, per in sorted(waits_by_department.items())},
        overall=_stats("all", counted, hours, overdue, transfers),
    )

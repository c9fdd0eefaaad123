"""Which policy applies to an alarm, and which of its steps are due at a given time."""

from __future__ import annotations

from collections.abc import Iterable

from maeul.core.alarms import Severity
from maeul.core.notify.model import ANY_TYPE, Policy


def select_policy(policies: Iterable[Policy], alarm_type: str, severity: Severity) -> Policy | None:
    """The enabled policy for the type and severity: exact type over ``*``, then higher minimum, then lower id."""
    candidates = [
        p
        for p in policies
        if p.enabled and p.steps and p.alarm_type in (alarm_type, ANY_TYPE) and severity.rank >= p.min_severity.rank
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p.alarm_type == ANY_TYPE, -p.min_severity.rank, p.id))


def step_due_at(policy: Policy, started_at: int, index: int) -> int:
    """When step ``index`` is due (epoch ms)."""
    return started_at + max(0, policy.steps[index].delay_s) * 1000


def due_steps(policy: Policy, started_at: int, next_step: int, now: int) -> list[int]:
    """The indexes of the steps from ``next_step`` on that are due at ``now``, in order."""
    due: list[int] = []
    for index in range(max(0, next_step), len(policy.steps)):
        if step_due_at(policy, started_at, index) > now:
            break
        due.append(index)
    return due


def next_due_at(policy: Policy, started_at: int, next_step: int) -> int | None:
    """When step ``next_step`` is due, or None when every step has run."""
    if next_step >= len(policy.steps):
        return None
    return step_due_at(policy, started_at, next_step)

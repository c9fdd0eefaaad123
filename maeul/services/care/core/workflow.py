"""The response workflow: phone check by the caseworker, then a visit, then the emergency service.

Every step is recorded with its outcome; a step may be repeated (a second call) but never goes back to an earlier
stage; closing needs a resolution, and a false alarm needs its reason. Steps and outcomes are closed vocabularies
so that reports can count them.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    OPEN = "open"
    PHONE_CHECK = "phone_check"
    VISIT = "visit"
    EMERGENCY = "emergency"
    CLOSED = "closed"


ORDER = (Stage.OPEN, Stage.PHONE_CHECK, Stage.VISIT, Stage.EMERGENCY, Stage.CLOSED)
STEPS = (Stage.PHONE_CHECK, Stage.VISIT, Stage.EMERGENCY)

OUTCOMES: dict[Stage, frozenset[str]] = {
    Stage.PHONE_CHECK: frozenset({"reached_ok", "reached_needs_help", "no_answer"}),
    Stage.VISIT: frozenset({"found_ok", "found_needs_help", "not_home", "no_access"}),
    Stage.EMERGENCY: frozenset({"dispatched", "transported", "not_needed"}),
}
RESOLUTIONS = frozenset({"confirmed", "false_alarm"})
FALSE_REASONS = frozenset(
    {"device_fault", "over_sensitive", "resident_away", "resident_ok", "test", "unknown", "other"}
)


class WorkflowError(ValueError):
    """A step or closure the workflow does not allow; the message says why (Korean and English)."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.ko = ko


def next_stage(current: Stage, step: Stage, outcome: str) -> Stage:
    """The stage after recording ``step`` with ``outcome`` while at ``current``."""
    if current is Stage.CLOSED:
        raise WorkflowError("the response is closed", "이미 종결된 대응입니다")
    if step not in STEPS:
        raise WorkflowError(f"unknown step {step.value!r}", f"알 수 없는 단계입니다: {step.value}")
    if ORDER.index(step) < ORDER.index(current):
        raise WorkflowError(
            f"the response is already at {current.value}; it cannot go back to {step.value}",
            f"이미 {current.value} 단계입니다. 이전 단계({step.value})로 돌아갈 수 없습니다",
        )
    if outcome not in OUTCOMES[step]:
        allowed = ", ".join(sorted(OUTCOMES[step]))
        raise WorkflowError(
            f"outcome {outcome!r} does not fit {step.value}; one of {allowed}",
            f"{step.value} 단계의 결과가 올바르지 않습니다 ({allowed} 중 하나)",
        )
    return step


def suggested_next(current: Stage, last_outcome: str | None) -> Stage | None:
    """What should happen next: after an unanswered call a visit, after a visit finding trouble the emergency."""
    if current is Stage.OPEN:
        return Stage.PHONE_CHECK
    if current is Stage.PHONE_CHECK and last_outcome in ("no_answer", "reached_needs_help"):
        return Stage.VISIT
    if current is Stage.VISIT and last_outcome in ("found_needs_help", "not_home", "no_access"):
        return Stage.EMERGENCY
    return None


def check_close(resolution: str, false_reason: str | None) -> None:
    if resolution not in RESOLUTIONS:
        raise WorkflowError(
            f"resolution must be one of {', '.join(sorted(RESOLUTIONS))}", "종결 구분이 올바르지 않습니다"
        )
    if resolution == "false_alarm":
        if false_reason is None:
            raise WorkflowError("a false alarm needs its reason", "오경보는 사유가 필요합니다")
        if false_reason not in FALSE_REASONS:
            raise WorkflowError(
                f"false_reason must be one of {', '.join(sorted(FALSE_REASONS))}", "오경보 사유가 올바르지 않습니다"
            )
    elif false_reason is not None:
        raise WorkflowError("only a false alarm has a false_reason", "오경보가 아니면 사유를 적지 않습니다")


FAMILY_EVENTS = ("danger", "emergency", "closed")


def family_events_for(stage: Stage, status_danger: bool) -> tuple[str, ...]:
    """Which family-preference events a change triggers."""
    if stage is Stage.EMERGENCY:
        return ("emergency",)
    if stage is Stage.CLOSED:
        return ("closed",)
    if stage is Stage.OPEN and status_danger:
        return ("danger",)
    return ()

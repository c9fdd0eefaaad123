"""The handling workflow, pure: statuses, which change is allowed, what Open311 calls each status.

No I/O here; the repository applies these rules inside its transactions.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"  # 접수
    ACCEPTED = "accepted"  # 접수 확인
    ASSIGNED = "assigned"  # 담당자 지정
    IN_PROGRESS = "in_progress"  # 처리 중
    RESOLVED = "resolved"  # 처리 완료
    CLOSED = "closed"  # 종결
    REJECTED = "rejected"  # 반려
    NOT_OURS = "not_our_responsibility"  # 소관 아님
    DUPLICATE = "duplicate"  # 중복


LABELS: dict[Status, tuple[str, str]] = {
    Status.RECEIVED: ("접수", "received"),
    Status.ACCEPTED: ("접수 확인", "accepted"),
    Status.ASSIGNED: ("담당자 지정", "assigned"),
    Status.IN_PROGRESS: ("처리 중", "in progress"),
    Status.RESOLVED: ("처리 완료", "resolved"),
    Status.CLOSED: ("종결", "closed"),
    Status.REJECTED: ("반려", "rejected"),
    Status.NOT_OURS: ("소관 아님", "not our responsibility"),
    Status.DUPLICATE: ("중복 민원", "duplicate"),
}

# The statuses in which a request still waits for the administration (Open311 "open"; deadlines run).
OPEN = frozenset({Status.RECEIVED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS})
# Finished statuses a request can be reopened from (a duplicate follows the request it was merged into).
REOPENABLE = frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.NOT_OURS})

_FINISH = {Status.RESOLVED, Status.REJECTED, Status.NOT_OURS}
# Status changes staff make directly (merging, reopening and assigning have their own actions).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.ACCEPTED, Status.IN_PROGRESS, *_FINISH}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, *_FINISH}),
    Status.ASSIGNED: frozenset({Status.ACCEPTED, Status.IN_PROGRESS, *_FINISH}),
    Status.IN_PROGRESS: frozenset({Status.ASSIGNED, *_FINISH}),
    Status.RESOLVED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset({Status.CLOSED}),
    Status.NOT_OURS: frozenset({Status.CLOSED}),
    Status.DUPLICATE: frozenset(),
}


class WorkflowError(ValueError):
    """A change the workflow does not allow; ``ko`` is the Korean message, ``str()`` the English one."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.ko = ko


def open311_status(status: Status) -> str:
    """GeoReport v2 knows two statuses: ``open`` and ``closed``."""
    return "open" if status in OPEN else "closed"


def parse_status(text: str) -> Status:
    try:
        return Status(text)
    except ValueError:
        known = ", ".join(s.value for s in Status)
        raise WorkflowError(f"unknown status {text!r}; one of {known}", f"알 수 없는 상태 {text!r}") from None


def check_transition(current: Status, new: Status) -> None:
    """Raise :class:`WorkflowError` unless staff may move a request from ``current`` to ``new``."""
    if new not in TRANSITIONS[current]:
        ko_from, ko_to = LABELS[current][0], LABELS[new][0]
        raise WorkflowError(
            f"a request that is {current.value} cannot become {new.value}",
            f"'{ko_from}' 상태의 민원은 '{ko_to}' 상태로 바꿀 수 없습니다",
        )


def check_can_handle(current: Status, action: str) -> None:
    """Transfers, assignments, answers and extensions need an open request."""
    if current not in OPEN:
        raise WorkflowError(
            f"the request is {current.value}: reopen it before {action}",
            f"'{LABELS[current][0]}' 상태의 민원입니다. 다시 열어야 처리할 수 있습니다",
        )


def check_reopen(current: Status) -> None:
    if current not in REOPENABLE:
        raise WorkflowError(
            f"a request that is {current.value} cannot be reopened",
            f"'{LABELS[current][0]}' 상태의 민원은 다시 열 수 없습니다",
        )


def check_merge(source: Status, target: Status, same: bool) -> None:
    if same:
        raise WorkflowError("a request cannot be merged into itself", "같은 민원끼리는 병합할 수 없습니다")
    if source is Status.DUPLICATE:
        raise WorkflowError("the request is already merged", "이미 병합된 민원입니다")
    if target is Status.DUPLICATE:
        raise WorkflowError(
            "the target is itself merged: merge into the request it was merged into",
            "대상 민원이 이미 다른 민원에 병합되었습니다. 그 민원으로 병합하십시오",
        )


def check_rating(status: Status, score: int) -> None:
    if not 1 <= score <= 5:
        raise WorkflowError("the rating is a score from 1 to 5", "만족도는 1에서 5 사이의 점수입니다")
    if status not in (Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.NOT_OURS):
        raise WorkflowError(
            "a request can be rated once it has been answered", "답변이 끝난 민원만 만족도를 남길 수 있습니다"
        )

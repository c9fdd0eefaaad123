"""The workflow (pure): allowed changes, the Open311 open/closed mapping, merging, rating, reopening."""

from __future__ import annotations

import pytest

from maeul.services.complaints.workflow import (
    OPEN,
    TRANSITIONS,
    Status,
    WorkflowError,
    check_merge,
    check_rating,
    check_reopen,
    check_transition,
    open311_status,
    parse_status,
)


@pytest.mark.parametrize("status", list(Status))
def test_open311_knows_open_and_closed(status: Status) -> None:
    expected = "open" if status in {Status.RECEIVED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS} else "closed"
    assert open311_status(status) == expected


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (Status.RECEIVED, Status.ACCEPTED, True),
        (Status.RECEIVED, Status.RESOLVED, True),
        (Status.IN_PROGRESS, Status.NOT_OURS, True),
        (Status.RESOLVED, Status.CLOSED, True),
        (Status.RESOLVED, Status.IN_PROGRESS, False),  # reopen instead
        (Status.CLOSED, Status.RESOLVED, False),
        (Status.DUPLICATE, Status.ACCEPTED, False),
        (Status.RECEIVED, Status.DUPLICATE, False),  # merging is its own action
        (Status.RECEIVED, Status.ASSIGNED, False),  # assigning is its own action
    ],
)
def test_transitions(current: Status, new: Status, allowed: bool) -> None:
    if allowed:
        check_transition(current, new)
    else:
        with pytest.raises(WorkflowError) as refused:
            check_transition(current, new)
        assert refused.value.ko and str(refused.value)


def test_no_direct_way_into_duplicate_or_out_of_it() -> None:
    assert all(Status.DUPLICATE not in targets for targets in TRANSITIONS.values())
    assert TRANSITIONS[Status.DUPLICATE] == frozenset()


def test_unknown_status_is_named() -> None:
    with pytest.raises(WorkflowError, match="'done'"):
        parse_status("done")


def test_reopen_only_finished_requests() -> None:
    for status in Status:
        if status in OPEN or status is Status.DUPLICATE:
            with pytest.raises(WorkflowError):
                check_reopen(status)
        else:
            check_reopen(status)


def test_merge_rules() -> None:
    check_merge(Status.RECEIVED, Status.IN_PROGRESS, False)
    for args in ((Status.RECEIVED, Status.RECEIVED, True), (Status.DUPLICATE, Status.RECEIVED, False),
                 (Status.RECEIVED, Status.DUPLICATE, False)):  # fmt: skip
        with pytest.raises(WorkflowError):
            check_merge(*args)


def test_rating_needs_an_answer_and_a_score() -> None:
    check_rating(Status.RESOLVED, 5)
    with pytest.raises(WorkflowError):
        check_rating(Status.IN_PROGRESS, 4)
    with pytest.raises(WorkflowError):
        check_rating(Status.RESOLVED, 6)

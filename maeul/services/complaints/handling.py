"""Staff actions on a request, each in the caller's transaction: status, assignment, transfer, answer,
extension, reopening, merging, rating. Every action records an event; public ones notify the reporters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from maeul.adapters.sql.errors import Conflict, Invalid
from maeul.adapters.sql.tables import departments, users
from maeul.services.complaints import config_repo, notify
from maeul.services.complaints import requests_repo as repo
from maeul.services.complaints.deadlines import ExtensionRefused, Kind, deadline, extend
from maeul.services.complaints.workflow import (
    OPEN,
    Status,
    WorkflowError,
    check_can_handle,
    check_merge,
    check_rating,
    check_reopen,
    check_transition,
    parse_status,
)

R = repo.R


class HandlingError(Invalid):
    """A refused action; ``ko`` is the Korean message."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.ko = ko


def _refuse(exc: WorkflowError | ExtensionRefused) -> HandlingError:
    if isinstance(exc, WorkflowError):
        return HandlingError(str(exc), exc.ko)
    return HandlingError(exc.en, exc.ko)


def _save(conn: Connection, request: dict[str, Any], values: dict[str, Any], now: int) -> None:
    """Write the change if nobody changed the request meanwhile (same status and update time)."""
    done = conn.execute(
        update(R)
        .where(R.c.id == request["id"], R.c.tenant_id == request["tenant_id"])
        .where(R.c.status == request["status"], R.c.updated_at == request["updated_at"])
        .values(updated_at=max(now, int(request["updated_at"]) + 1), **values)
    )
    if not done.rowcount:
        raise Conflict(f"request {request['id']} was changed meanwhile; reload it and try again")


def _record(
    conn: Connection, request: dict[str, Any], now: int, kind: str, status: Status, *, actor_id: int | None,
    public_text: str | None = None, note: str | None = None, department_id: int | None = None,
    data: dict[str, Any] | None = None, tell: bool = True,
) -> int:  # fmt: skip
    tenant_id = request["tenant_id"]
    event_id = repo.add_event(
        conn, tenant_id, request["id"], now, kind, status.value, public_text=public_text, note=note,
        actor_id=actor_id, department_id=department_id, data=data,
    )  # fmt: skip
    if tell:
        notify.queue_update(conn, tenant_id, request, event_id, status, public_text, now)
    return event_id


def _closing(status: Status, now: int) -> dict[str, Any]:
    return {"closed_at": None} if status in OPEN else {"closed_at": now}


def change_status(
    conn: Connection, tenant_id: str, request_id: int, new: str, *, actor_id: int | None, now: int,
    public_text: str | None = None, note: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    request = repo.get_request(conn, tenant_id, request_id)
    try:
        status = parse_status(new)
        check_transition(Status(request["status"]), status)
    except WorkflowError as exc:
        raise _refuse(exc) from None
    values: dict[str, Any] = {"status": status.value, **_closing(status, now)}
    if public_text:
        values["status_notes"] = public_text
    _save(conn, request, values, now)
    _record(conn, request, now, "status", status, actor_id=actor_id, public_text=public_text, note=note)
    return repo.get_request(conn, tenant_id, request_id)


def assign(
    conn: Connection, tenant_id: str, request_id: int, assignee_id: int | None, *, actor_id: int | None, now: int
) -> dict[str, Any]:
    request = repo.get_request(conn, tenant_id, request_id)
    try:
        check_can_handle(Status(request["status"]), "assigning it")
    except WorkflowError as exc:
        raise _refuse(exc) from None
    if assignee_id is not None:
        row = conn.execute(
            select(users.c.active, users.c.department_id).where(
                users.c.id == assignee_id, users.c.tenant_id == tenant_id
            )
        ).first()
        if row is None or not row[0]:
            raise HandlingError(
                f"user {assignee_id} does not exist or is inactive", "담당자가 없거나 비활성 사용자입니다"
            )
    status = Status.ASSIGNED if assignee_id is not None else Status.ACCEPTED
    _save(conn, request, {"assignee_id": assignee_id, "status": status.value}, now)
    _record(conn, request, now, "assign", status, actor_id=actor_id, data={"assignee_id": assignee_id})
    return repo.get_request(conn, tenant_id, request_id)


def transfer(
    conn: Connection, tenant_id: str, request_id: int, department_id: int, *, actor_id: int | None, now: int,
    reason: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Hand the request to another department (이송·이첩): its assignee is cleared, the deadline keeps running."""
    request = repo.get_request(conn, tenant_id, request_id)
    try:
        check_can_handle(Status(request["status"]), "transferring it")
    except WorkflowError as exc:
        raise _refuse(exc) from None
    found = conn.execute(
        select(departments.c.id).where(departments.c.id == department_id, departments.c.tenant_id == tenant_id)
    ).first()
    if not found:
        raise HandlingError(f"department {department_id} does not exist", "해당 부서가 없습니다")
    if department_id == request["department_id"]:
        raise HandlingError("the request is with this department already", "이미 이 부서의 민원입니다")
    status = Status.ACCEPTED
    _save(conn, request, {"department_id": department_id, "assignee_id": None, "status": status.value}, now)
    _record(
        conn, request, now, "transfer", status, actor_id=actor_id, note=reason, department_id=department_id,
        data={"from": request["department_id"], "to": department_id},
    )  # fmt: skip
    return repo.get_request(conn, tenant_id, request_id)


def answer(
    conn: Connection, tenant_id: str, request_id: int, text: str, *, actor_id: int | None, now: int,
    resolve: bool = True,
) -> tuple[dict[str, Any], int]:  # fmt: skip
    """The answer to the reporter (published as status_notes); returns the request and the event (for photos)."""
    if not text.strip():
        raise HandlingError("the answer is empty", "답변 내용이 비어 있습니다")
    request = repo.get_request(conn, tenant_id, request_id)
    current = Status(request["status"])
    try:
        check_can_handle(current, "answering it")
    except WorkflowError as exc:
        raise _refuse(exc) from None
    status = Status.RESOLVED if resolve else current
    _save(conn, request, {"status_notes": text, "status": status.value, **_closing(status, now)}, now)
    event_id = _record(conn, request, now, "answer", status, actor_id=actor_id, public_text=text)
    return repo.get_request(conn, tenant_id, request_id), event_id


def extend_deadline(
    conn: Connection, tenant_id: str, request_id: int, days: int, *, actor_id: int | None, now: int,
    reason: str, consent: bool = False,
) -> dict[str, Any]:  # fmt: skip
    request = repo.get_request(conn, tenant_id, request_id)
    try:
        check_can_handle(Status(request["status"]), "extending its deadline")
        zone = config_repo.tenant_timezone(conn, tenant_id)
        due = extend(
            request["deadline_at"], Kind(request["kind"]), days, request["extensions"], consent, zone,
            repo.holidays_of(conn, tenant_id),
        )  # fmt: skip
    except (WorkflowError, ExtensionRefused) as exc:
        raise _refuse(exc) from None
    if not reason.strip():
        raise HandlingError("an extension needs a reason", "연장 사유가 필요합니다")
    _save(conn, request, {"deadline_at": due, "extensions": request["extensions"] + 1}, now)
    _record(
        conn, request, now, "extend", Status(request["status"]), actor_id=actor_id, public_text=reason,
        data={"days": days, "deadline_at": due, "consent": consent},
    )  # fmt: skip
    return repo.get_request(conn, tenant_id, request_id)


def reopen(
    conn: Connection, tenant_id: str, request_id: int, *, actor_id: int | None, now: int, reason: str
) -> dict[str, Any]:
    """Open a finished request again (e.g. the reporter is not satisfied): a new period starts today."""
    request = repo.get_request(conn, tenant_id, request_id)
    try:
        check_reopen(Status(request["status"]))
    except WorkflowError as exc:
        raise _refuse(exc) from None
    zone = config_repo.tenant_timezone(conn, tenant_id)
    due = deadline(now, Kind(request["kind"]), zone, repo.holidays_of(conn, tenant_id))
    status = Status.ACCEPTED
    _save(conn, request, {"status": status.value, "closed_at": None, "deadline_at": due, "extensions": 0}, now)
    _record(conn, request, now, "reopen", status, actor_id=actor_id, public_text=reason)
    return repo.get_request(conn, tenant_id, request_id)


def merge(
    conn: Connection, tenant_id: str, request_id: int, into_id: int, *, actor_id: int | None, now: int
) -> dict[str, Any]:
    """Merge a duplicate into another request: it becomes ``duplicate``; its reporter (and the reporters of
    requests merged into it before) now get the updates of the target."""
    source = repo.get_request(conn, tenant_id, request_id)
    target = repo.get_request(conn, tenant_id, into_id)
    try:
        check_merge(Status(source["status"]), Status(target["status"]), request_id == into_id)
    except WorkflowError as exc:
        raise _refuse(exc) from None
    text_ko = f"같은 내용의 민원 {into_id}번과 함께 처리합니다 / handled together with request {into_id}"
    _save(
        conn, source,
        {"status": Status.DUPLICATE.value, "merged_into": into_id, "closed_at": now, "status_notes": text_ko},
        now,
    )  # fmt: skip
    conn.execute(
        update(R)
        .where(R.c.tenant_id == tenant_id, R.c.merged_into == request_id)
        .values(merged_into=into_id, updated_at=now)
    )
    _record(conn, source, now, "merge", Status.DUPLICATE, actor_id=actor_id, public_text=text_ko,
            data={"into": into_id})  # fmt: skip
    repo.add_event(
        conn, tenant_id, into_id, now, "merged_in", target["status"], actor_id=actor_id, data={"from": request_id}
    )
    return repo.get_request(conn, tenant_id, request_id)


def rate(
    conn: Connection, tenant_id: str, request_id: int, score: int, comment: str | None, *, now: int
) -> dict[str, Any]:
    request = repo.get_request(conn, tenant_id, request_id)
    try:
        check_rating(Status(request["status"]), score)
    except WorkflowError as exc:
        raise _refuse(exc) from None
    _save(conn, request, {"rating": score, "rating_comment": comment}, now)
    _record(conn, request, now, "rating", Status(request["status"]), actor_id=None, note=comment,
            data={"score": score}, tell=False)  # fmt: skip
    return repo.get_request(conn, tenant_id, request_id)


__all__ = [
    "HandlingError",
    "answer",
    "assign",
    "change_status",
    "extend_deadline",
    "merge",
    "rate",
    "reopen",
    "transfer",
]

"""Service requests: intake, queries (Open311 and staff), events; tenant-scoped like every repository."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select

from maeul.adapters.sql.errors import NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.services.complaints import config_repo
from maeul.services.complaints.deadlines import Kind, deadline, is_overdue, parse_holidays
from maeul.services.complaints.open311.params import NewRequest, RequestsQuery
from maeul.services.complaints.ports import Suggestion
from maeul.services.complaints.tables import (
    complaints_categories,
    complaints_events,
    complaints_photos,
    complaints_requests,
)
from maeul.services.complaints.workflow import OPEN, Status

R = complaints_requests
C = complaints_categories
E = complaints_events
OPEN_VALUES = [s.value for s in OPEN]
# The columns that may be published (Open311, public pages): never the reporter's name or contact.
PUBLIC_COLUMNS = [
    R.c.id, R.c.tenant_id, R.c.status, R.c.description, R.c.lat, R.c.lon, R.c.address, R.c.address_id,
    R.c.zipcode, R.c.media_url, R.c.department_id, R.c.status_notes, R.c.merged_into, R.c.requested_at,
    R.c.deadline_at, R.c.updated_at, R.c.closed_at, C.c.code.label("service_code"), C.c.name.label("service_name"),
]  # fmt: skip


def holidays_of(conn: Connection, tenant_id: str) -> frozenset[Any]:
    return parse_holidays(config_repo.get_settings(conn, tenant_id)["holidays"])


def add_event(
    conn: Connection,
    tenant_id: str,
    request_id: int,
    at: int,
    kind: str,
    status: str,
    *,
    public_text: str | None = None,
    note: str | None = None,
    actor_id: int | None = None,
    department_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    result = conn.execute(
        insert(E).values(
            tenant_id=tenant_id, request_id=request_id, at=at, kind=kind, status=status, public_text=public_text,
            note=note, actor_id=actor_id, department_id=department_id, data=data or {},
        )
    )  # fmt: skip
    return inserted_id(result)


def create_request(
    conn: Connection,
    tenant_id: str,
    new: NewRequest,
    category: dict[str, Any],
    attributes: dict[str, Any],
    *,
    now: int,
    key_id: int | None = None,
    suggestion: Suggestion | None = None,
) -> dict[str, Any]:
    """Store a new request (status ``received``), its deadline by the category's kind, and its first event."""
    settings = config_repo.get_settings(conn, tenant_id)
    kind = Kind(category["kind"])
    zone = config_repo.tenant_timezone(conn, tenant_id)
    due = deadline(now, kind, zone, parse_holidays(settings["holidays"]))
    triage = suggestion is not None and suggestion.confidence < float(settings["triage_threshold"])
    anonymous = not any((new.email, new.phone, new.first_name, new.last_name))
    values = {
        "tenant_id": tenant_id,
        "category_id": category["id"],
        "status": Status.RECEIVED.value,
        "kind": kind.value,
        "description": new.description,
        "lat": new.lat,
        "lon": new.lon,
        "address": new.address,
        "address_id": new.address_id,
        "zipcode": new.zipcode,
        "attributes": attributes,
        "media_url": new.media_url,
        "first_name": new.first_name,
        "last_name": new.last_name,
        "email": new.email,
        "phone": new.phone,
        "device_id": new.device_id,
        "account_id": new.account_id,
        "anonymous": anonymous,
        "token": secrets.token_hex(16),
        "key_id": key_id,
        "department_id": category["department_id"],
        "suggested_code": suggestion.category if suggestion else None,
        "confidence": suggestion.confidence if suggestion else None,
        "needs_triage": triage,
        "requested_at": now,
        "deadline_at": due,
        "extensions": 0,
        "updated_at": now,
    }
    request_id = inserted_id(conn.execute(insert(R).values(**values)))
    add_event(conn, tenant_id, request_id, now, "created", Status.RECEIVED.value,
              public_text=None, department_id=category["department_id"],
              data={"service_code": category["code"], "triage": triage})  # fmt: skip
    return get_request(conn, tenant_id, request_id)


def get_request(conn: Connection, tenant_id: str, request_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(R, C.c.code.label("service_code"), C.c.name.label("service_name"))
            .join(C, C.c.id == R.c.category_id)
            .where(R.c.id == request_id, R.c.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"request {request_id} not found")
    return dict(row)


def request_by_token(conn: Connection, tenant_id: str, token: str) -> dict[str, Any] | None:
    found = conn.execute(select(R.c.id).where(R.c.token == token, R.c.tenant_id == tenant_id)).scalar()
    return get_request(conn, tenant_id, int(found)) if found is not None else None


def _status_filter(statuses: Sequence[str]) -> Any:
    wanted = set(statuses)
    if wanted == {"open"}:
        return R.c.status.in_(OPEN_VALUES)
    if wanted == {"closed"}:
        return R.c.status.not_in(OPEN_VALUES)
    return None


def open311_requests(conn: Connection, tenant_id: str, q: RequestsQuery, now: int) -> list[dict[str, Any]]:
    """Requests for ``GET requests``: public columns only, newest first, one page."""
    query = select(*PUBLIC_COLUMNS).join(C, C.c.id == R.c.category_id).where(R.c.tenant_id == tenant_id)
    if q.ids is not None:
        query = query.where(R.c.id.in_(q.ids)).order_by(R.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]
    start, end = q.window(now)
    conditions: list[Any] = []
    if q.service_codes:
        conditions.append(C.c.code.in_(q.service_codes))
    if start is not None:
        conditions.append(R.c.requested_at >= start)
    if end is not None:
        conditions.append(R.c.requested_at <= end)
    if q.updated_after is not None:
        conditions.append(R.c.updated_at >= q.updated_after)
    if q.updated_before is not None:
        conditions.append(R.c.updated_at <= q.updated_before)
    status = _status_filter(q.statuses)
    if status is not None:
        conditions.append(status)
    query = query.where(and_(*conditions)) if conditions else query
    query = query.order_by(R.c.requested_at.desc(), R.c.id.desc())
    query = query.offset((q.page - 1) * q.page_size).limit(q.page_size)
    return [dict(r) for r in conn.execute(query).mappings()]


def public_request(conn: Connection, tenant_id: str, request_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(*PUBLIC_COLUMNS)
            .join(C, C.c.id == R.c.category_id)
            .where(R.c.id == request_id, R.c.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def first_public_photo(conn: Connection, tenant_id: str, request_ids: Sequence[int]) -> dict[int, str]:
    """The first published photo of each request (the reporter's), by request id: its stored name."""
    if not request_ids:
        return {}
    rows = conn.execute(
        select(complaints_photos.c.request_id, complaints_photos.c.name)
        .where(complaints_photos.c.tenant_id == tenant_id, complaints_photos.c.request_id.in_(list(request_ids)))
        .where(complaints_photos.c.public.is_(True), complaints_photos.c.event_id.is_(None))
        .order_by(complaints_photos.c.id)
    ).all()
    out: dict[int, str] = {}
    for request_id, name in rows:
        out.setdefault(int(request_id), str(name))
    return out


PUBLIC_EVENT_KINDS = ("created", "status", "answer", "reopen", "merge", "extend", "transfer", "assign", "comment")


def open311_updates(
    conn: Connection, tenant_id: str, start: int | None, end: int | None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Events for ``GET servicerequestupdates``: the status after each change and its public text."""
    query = (
        select(E.c.id, E.c.request_id, E.c.at, E.c.status, E.c.public_text, E.c.kind)
        .where(E.c.tenant_id == tenant_id, E.c.kind.in_(PUBLIC_EVENT_KINDS))
        .order_by(E.c.at, E.c.id)
        .limit(limit)
    )
    if start is not None:
        query = query.where(E.c.at >= start)
    if end is not None:
        query = query.where(E.c.at <= end)
    return [dict(r) for r in conn.execute(query).mappings()]


def event_photos(conn: Connection, tenant_id: str, event_ids: Sequence[int]) -> dict[int, str]:
    if not event_ids:
        return {}
    rows = conn.execute(
        select(complaints_photos.c.event_id, complaints_photos.c.name)
        .where(complaints_photos.c.tenant_id == tenant_id, complaints_photos.c.event_id.in_(list(event_ids)))
        .where(complaints_photos.c.public.is_(True))
        .order_by(complaints_photos.c.id)
    ).all()
    out: dict[int, str] = {}
    for event_id, name in rows:
        out.setdefault(int(event_id), str(name))
    return out


def staff_requests(
    conn: Connection,
    tenant_id: str,
    *,
    now: int,
    status: str | None = None,
    department_id: int | None = None,
    service_code: str | None = None,
    overdue: bool | None = None,
    needs_triage: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = (
        select(R, C.c.code.label("service_code"), C.c.name.label("service_name"))
        .join(C, C.c.id == R.c.category_id)
        .where(R.c.tenant_id == tenant_id)
    )
    if status is not None:
        query = query.where(R.c.status == status)
    if department_id is not None:
        query = query.where(R.c.department_id == department_id)
    if service_code is not None:
        query = query.where(C.c.code == service_code)
    if needs_triage is not None:
        query = query.where(R.c.needs_triage.is_(needs_triage))
    if overdue is True:
        query = query.where(R.c.status.in_(OPEN_VALUES), R.c.deadline_at <= now)
    elif overdue is False:
        query = query.where(or_(R.c.status.not_in(OPEN_VALUES), R.c.deadline_at > now))
    query = query.order_by(R.c.deadline_at, R.c.id).limit(limit).offset(offset)
    return [dict(r) for r in conn.execute(query).mappings()]


def events_of(conn: Connection, tenant_id: str, request_id: int) -> list[dict[str, Any]]:
    query = select(E).where(E.c.tenant_id == tenant_id, E.c.request_id == request_id).order_by(E.c.at, E.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def photos_of(conn: Connection, tenant_id: str, request_id: int) -> list[dict[str, Any]]:
    query = (
        select(complaints_photos)
        .where(complaints_photos.c.tenant_id == tenant_id, complaints_photos.c.request_id == request_id)
        .order_by(complaints_photos.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def add_photo(
    conn: Connection,
    tenant_id: str,
    request_id: int,
    name: str,
    *,
    content_type: str,
    size: int,
    width: int,
    height: int,
    public: bool,
    event_id: int | None,
    now: int,
) -> dict[str, Any]:
    values = {
        "tenant_id": tenant_id, "request_id": request_id, "event_id": event_id, "name": name,
        "content_type": content_type, "size": size, "width": width, "height": height, "public": public,
        "created_at": now,
    }  # fmt: skip
    photo_id = inserted_id(conn.execute(insert(complaints_photos).values(**values)))
    return {"id": photo_id, **values}


def photo_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(complaints_photos).where(complaints_photos.c.name == name)).mappings().first()
    return dict(row) if row else None


def merged_reporters(conn: Connection, tenant_id: str, request_id: int) -> list[dict[str, Any]]:
    """The reporters to tell about a request: its own and those of the requests merged into it."""
    query = select(R.c.id, R.c.email, R.c.phone).where(
        R.c.tenant_id == tenant_id, or_(R.c.id == request_id, R.c.merged_into == request_id)
    )
    return [dict(r) for r in conn.execute(query.order_by(R.c.id)).mappings()]


def with_flags(row: dict[str, Any], now: int) -> dict[str, Any]:
    """A staff view of a request: the overdue flag added."""
    return {**row, "overdue": is_overdue(row["deadline_at"], now, Status(row["status"]) in OPEN)}

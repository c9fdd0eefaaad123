"""Loading what the complaints analytics need from the tables, tenant-scoped: requests as the AI core's
``Complaint`` records (with the district that contains them), status events with their department, and the
names of districts and categories. The figures themselves come from the pure code in ``ai/``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from maeul.adapters.sql.districts import list_districts
from maeul.adapters.sql.tables import departments
from maeul.core.districts import DistrictIndex
from maeul.services.complaints.ai.records import Complaint, StatusEvent
from maeul.services.complaints.tables import complaints_categories as C
from maeul.services.complaints.tables import complaints_events as E
from maeul.services.complaints.tables import complaints_requests as R
from maeul.services.complaints.workflow import OPEN, Status

DAY_MS = 86_400_000
MAX_ROWS = 200_000  # a bound on one analysis (a large city's year of complaints)


def as_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class Names:
    """Korean and English names by code, for the messages of the analytics."""

    districts: dict[str, tuple[str, str]]
    categories: dict[str, tuple[str, str]]
    departments: dict[str, str]


class Locator:
    """The tenant's districts, to find the one containing a request's point."""

    def __init__(self, conn: Connection, tenant_id: str) -> None:
        self.districts = list_districts(conn, tenant_id)
        self._index = DistrictIndex(self.districts) if self.districts else None

    def locate(self, lat: float | None, lon: float | None) -> str | None:
        if self._index is None or lat is None or lon is None:
            return None
        return self._index.locate(float(lon), float(lat))


def names(conn: Connection, tenant_id: str, locator: Locator | None = None) -> Names:
    locator = locator or Locator(conn, tenant_id)
    districts = {d.code: (d.name, d.name_en or d.name) for d in locator.districts}
    rows = conn.execute(select(C.c.code, C.c.name, C.c.name_en).where(C.c.tenant_id == tenant_id)).all()
    categories = {str(code): (str(name), str(name_en or name)) for code, name, name_en in rows}
    depts = conn.execute(select(departments.c.id, departments.c.name).where(departments.c.tenant_id == tenant_id))
    return Names(districts, categories, {str(i): str(n) for i, n in depts})


def complaints(
    conn: Connection, tenant_id: str, since_ms: int, until_ms: int, locator: Locator, *, category: str | None = None
) -> list[Complaint]:
    """Located requests made in [since, until], merged duplicates left out (each problem counts once)."""
    query = (
        select(R.c.id, R.c.description, R.c.lat, R.c.lon, R.c.requested_at, C.c.code)
        .join(C, C.c.id == R.c.category_id)
        .where(R.c.tenant_id == tenant_id, R.c.requested_at >= since_ms, R.c.requested_at <= until_ms)
        .where(R.c.lat.is_not(None), R.c.lon.is_not(None), R.c.status != Status.DUPLICATE.value)
        .order_by(R.c.requested_at, R.c.id)
        .limit(MAX_ROWS)
    )
    if category:
        query = query.where(C.c.code == category)
    return [
        Complaint(
            id=str(row.id),
            text=str(row.description or ""),
            category=str(row.code),
            lat=float(row.lat),
            lon=float(row.lon),
            created_at=as_datetime(int(row.requested_at)),
            district_code=locator.locate(row.lat, row.lon),
        )
        for row in conn.execute(query)
    ]


def status_events(
    conn: Connection, tenant_id: str, since_ms: int, until_ms: int
) -> tuple[list[StatusEvent], dict[str, datetime]]:
    """The events of the requests made in [since, until] (department by name, the request's category code),
    and each request's deadline (with extensions), for ``ai.process_stats``."""
    requests = (
        select(R.c.id, R.c.deadline_at, C.c.code)
        .join(C, C.c.id == R.c.category_id)
        .where(R.c.tenant_id == tenant_id, R.c.requested_at >= since_ms, R.c.requested_at <= until_ms)
        .limit(MAX_ROWS)
    )
    category_of: dict[int, str] = {}
    deadlines: dict[str, datetime] = {}
    for request_id, deadline_at, code in conn.execute(requests):
        category_of[int(request_id)] = str(code)
        deadlines[str(request_id)] = as_datetime(int(deadline_at))
    if not category_of:
        return [], {}
    dept_names = {
        int(i): str(n)
        for i, n in conn.execute(
            select(departments.c.id, departments.c.name).where(departments.c.tenant_id == tenant_id)
        )
    }
    query = (
        select(E.c.request_id, E.c.at, E.c.status, E.c.department_id)
        .join(R, R.c.id == E.c.request_id)
        .where(E.c.tenant_id == tenant_id, R.c.tenant_id == tenant_id)
        .where(R.c.requested_at >= since_ms, R.c.requested_at <= until_ms)
        .order_by(E.c.at, E.c.id)
    )
    events = [
        StatusEvent(
            request_id=str(request_id),
            at=as_datetime(int(at)),
            status=str(status),
            department=dept_names.get(int(department_id)) if department_id is not None else None,
            category=category_of.get(int(request_id)),
        )
        for request_id, at, status, department_id in conn.execute(query)
        if int(request_id) in category_of
    ]
    return events, deadlines


def map_requests(
    conn: Connection,
    tenant_id: str,
    since_ms: int,
    *,
    category: str | None = None,
    status: str | None = None,
    limit: int = 5000,
) -> list[dict[str, Any]]:
    """Located requests for the staff map (no reporter fields), newest first."""
    query = (
        select(R.c.id, R.c.status, R.c.lat, R.c.lon, R.c.requested_at, R.c.deadline_at, C.c.code, C.c.name, C.c.name_en)
        .join(C, C.c.id == R.c.category_id)
        .where(R.c.tenant_id == tenant_id, R.c.requested_at >= since_ms)
        .where(R.c.lat.is_not(None), R.c.lon.is_not(None))
        .order_by(R.c.requested_at.desc(), R.c.id.desc())
        .limit(limit)
    )
    if category:
        query = query.where(C.c.code == category)
    if status == "open":
        query = query.where(R.c.status.in_([s.value for s in OPEN]))
    elif status == "closed":
        query = query.where(R.c.status.not_in([s.value for s in OPEN]))
    elif status:
        query = query.where(R.c.status == status)
    return [dict(r) for r in conn.execute(query).mappings()]


def stats_rows(conn: Connection, tenant_id: str, since_ms: int, locator: Locator) -> list[dict[str, Any]]:
    """What the public statistics count: category, district, status and times only (never text or names)."""
    query = (
        select(R.c.status, R.c.lat, R.c.lon, R.c.requested_at, R.c.closed_at, C.c.code)
        .join(C, C.c.id == R.c.category_id)
        .where(R.c.tenant_id == tenant_id, R.c.requested_at >= since_ms, R.c.status != Status.DUPLICATE.value)
        .limit(MAX_ROWS)
    )
    return [
        {
            "category": str(row.code),
            "district": locator.locate(row.lat, row.lon),
            "status": str(row.status),
            "requested_at": int(row.requested_at),
            "closed_at": int(row.closed_at) if row.closed_at is not None else None,
        }
        for row in conn.execute(query)
    ]

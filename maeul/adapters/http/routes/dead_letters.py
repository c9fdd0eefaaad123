"""Dead letters: messages and readings that were not stored, with the reason, for operators."""

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import select

from maeul.adapters.http.deps import ReadConn, Reader
from maeul.adapters.http.schemas import INT32_MAX, DeadLetterModel, Page
from maeul.adapters.sql.tables import dead_letters

router = APIRouter(prefix="/api/v1/dead-letters", tags=["dead letters"])


@router.get("", response_model=Page[DeadLetterModel])
def list_dead_letters(
    actor: Reader,
    conn: ReadConn,
    device_id: int | None = Query(default=None, ge=1, le=INT32_MAX),
    source: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=INT32_MAX),
) -> Page[DeadLetterModel]:
    """Newest first. Messages whose topic named no known device have no tenant and are shown to nobody here."""
    query = select(dead_letters).where(dead_letters.c.tenant_id == actor.tenant_id)
    if device_id is not None:
        query = query.where(dead_letters.c.device_id == device_id)
    if source:
        query = query.where(dead_letters.c.source == source)
    rows = conn.execute(query.order_by(dead_letters.c.id.desc()).limit(limit + 1).offset(offset)).mappings().all()
    items = [DeadLetterModel(**r) for r in rows[:limit]]
    return Page[DeadLetterModel](items=items, next_offset=offset + limit if len(rows) > limit else None)

"""The tenant's districts as GeoJSON, and their import."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request

from maeul.adapters.http.deps import PlatformDep, ReadConn, Reader, TenantManager
from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql import districts as repo
from maeul.core.districts import parse_feature_collection

router = APIRouter(prefix="/api/v1/districts", tags=["districts"])


@router.get("", responses={200: {"content": {"application/geo+json": {}}}})
def list_districts(actor: Reader, conn: ReadConn) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the tenant's eup/myeon/dong (properties: code, name, name_en)."""
    return repo.as_feature_collection(repo.list_districts(conn, actor.tenant_id))


@router.put(
    "",
    openapi_extra={
        "requestBody": {"content": {"application/geo+json": {"schema": {"type": "object"}}}, "required": True}
    },
)
async def replace_districts(request: Request, actor: TenantManager, platform: PlatformDep) -> dict[str, int]:
    """Replace the districts with a FeatureCollection (properties code, name, optional name_en)."""
    try:
        document = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "malformed", f"not valid JSON: {exc}") from None
    items, errors = parse_feature_collection(document)
    if errors:
        raise ApiError(422, "invalid", f"{len(errors)} problem(s); nothing was imported", errors)
    with platform.engine.begin() as conn:
        count = repo.replace_districts(conn, actor.tenant_id, items)
    return {"imported": count}

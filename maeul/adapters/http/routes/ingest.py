"""HTTP telemetry ingestion for devices, authenticated by the device's own token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from maeul.adapters.http.deps import PlatformDep, bearer
from maeul.adapters.http.errors import ApiError
from maeul.adapters.http.schemas import IngestResponse

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])
MAX_BODY = 4 * 1024 * 1024

PAYLOAD_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": {"type": ["number", "boolean", "string"]},
            "example": {"temperature": 21.5, "motion": 1},
        },
        {
            "type": "object",
            "required": ["ts", "values"],
            "properties": {
                "ts": {"type": "integer", "description": "Unix time in milliseconds"},
                "values": {"type": "object"},
            },
            "example": {"ts": 1732300000000, "values": {"temperature": 21.5}},
        },
        {"type": "array", "items": {"type": "object"}},
    ]
}


@router.post(
    "/telemetry",
    response_model=IngestResponse,
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": PAYLOAD_SCHEMA}}, "required": True}},
    responses={
        400: {"description": "Malformed message (kept as a dead letter)"},
        401: {"description": "Unknown device token"},
        422: {"description": "No reading fits the device's profile (kept as a dead letter)"},
        503: {"description": "The write buffer is full; retry"},
    },
)
async def ingest_telemetry(
    request: Request,
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> IngestResponse:
    """Store a device's readings. Answers after they are committed; a repeat of a stored reading is skipped."""
    if credentials is None:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <device token>")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ApiError(413, "too_large", f"the message is larger than {MAX_BODY // 1024 // 1024} MiB")
    result = await run_in_threadpool(platform.ingest.submit_http, credentials.credentials, body)
    if result is None:
        raise ApiError(401, "unauthorized", "unknown device token")
    if result.error is not None:
        code = "malformed" if result.malformed else "rejected"
        raise ApiError(400 if result.malformed else 422, code, result.error, result.rejected)
    return IngestResponse(accepted=result.accepted, rejected=result.rejected)

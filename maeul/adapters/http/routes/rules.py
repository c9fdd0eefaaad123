"""Rules API (filled in by the alarms and rules routes)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["rules"])

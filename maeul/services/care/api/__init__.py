"""The care service's REST API under ``/api/v1/care``."""

from __future__ import annotations

from fastapi import APIRouter


def router() -> APIRouter:
    from maeul.services.care.api import admin, households, people, reports, responses, routine

    combined = APIRouter()
    for module in (households, routine, people, responses, reports, admin):
        combined.include_router(module.router)
    return combined

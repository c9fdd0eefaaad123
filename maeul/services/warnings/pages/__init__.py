"""The warnings service's pages: the residents' portal (status map, shelters, subscriptions) and the console."""

from __future__ import annotations

from fastapi import APIRouter


def router() -> APIRouter:
    from maeul.services.warnings.pages import console, portal

    combined = APIRouter()
    combined.include_router(portal.router())
    combined.include_router(console.router())
    return combined

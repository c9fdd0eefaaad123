"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from maeul import __version__
from maeul.adapters.http.errors import install_error_handlers
from maeul.adapters.http.routes import (
    accounts,
    alarms,
    dead_letters,
    devices,
    districts,
    ingest,
    notifications,
    ops,
    rules,
    telemetry,
)
from maeul.platform.app import Platform

DESCRIPTION = """
Maeul (마을) is an open IoT and civic-services platform for local governments.

Authenticate with `POST /api/v1/auth/token` (or an API key) and send `Authorization: Bearer <token>`.
Devices send telemetry with their own token to `POST /api/v1/ingest/telemetry`, or over MQTT to
`maeul/<tenant>/<device-id>/telemetry`. Every query is scoped to the caller's tenant.
"""


def create_app(platform: Platform, *, manage_lifecycle: bool = True) -> FastAPI:
    """Build the app; with ``manage_lifecycle`` the app starts and stops the platform with the server."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_lifecycle:
            platform.start()
        try:
            yield
        finally:
            if manage_lifecycle:
                platform.stop()

    app = FastAPI(
        title="Maeul API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.platform = platform
    install_error_handlers(app)
    for module in (ops, accounts, districts, devices, telemetry, ingest, dead_letters, alarms, rules, notifications):
        app.include_router(module.router)
    for service in platform.services:
        if service.api_router is not None:
            app.include_router(service.api_router())
        if service.page_router is not None:
            app.include_router(service.page_router())
    from maeul.web.app import install_web  # the console and the portal (maeul/web)

    install_web(app, platform)
    return app

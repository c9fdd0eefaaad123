"""Wiring the web shell into the FastAPI app: renderer, page routers, static files, live alarm feed."""

from __future__ import annotations

from fastapi import FastAPI

from maeul.platform.app import Platform
from maeul.web.render import Web
from maeul.web.static_files import mount_static


def install_web(app: FastAPI, platform: Platform) -> None:
    """Add the console and the portal to ``app`` (the API's app), for ``platform``'s enabled services."""
    from maeul.web.routes import ROUTERS

    app.state.web = Web(platform)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)

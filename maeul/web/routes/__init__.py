"""Page routers of the console and the portal."""

from __future__ import annotations

from fastapi import APIRouter

from maeul.web.routes import console_map, shell

ROUTERS: tuple[APIRouter, ...] = (shell.router, console_map.router)

"""Page routers of the console and the portal."""

from __future__ import annotations

from fastapi import APIRouter

from maeul.web.routes import (
    console_admin,
    console_alarms,
    console_devices,
    console_map,
    console_profiles,
    portal,
    shell,
)

ROUTERS: tuple[APIRouter, ...] = (
    shell.router,
    console_map.router,
    console_devices.router,
    console_alarms.router,
    console_profiles.router,
    console_admin.router,
    portal.router,
)

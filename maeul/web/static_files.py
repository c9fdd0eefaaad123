"""Static files: the shell's own CSS and scripts, and the front-end libraries installed from npm (node_modules).

Only the ``dist`` folders the pages need are served, under ``/static/vendor/<name>/``; ``./run install`` runs
``npm ci`` so they exist. Without them the pages still work, without maps and charts.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

OWN = Path(__file__).parent / "static"
REPO_ROOT = Path(__file__).resolve().parents[2]
VENDOR = {
    "htmx": "htmx.org/dist",
    "leaflet": "leaflet/dist",
    "uplot": "uplot/dist",
}


def node_modules() -> Path:
    """Where npm installed the libraries: ``MAEUL_NODE_MODULES`` or the checkout's ``node_modules``."""
    configured = os.environ.get("MAEUL_NODE_MODULES")
    return Path(configured) if configured else REPO_ROOT / "node_modules"


def mount_static(app: FastAPI) -> None:
    app.mount("/static/web", StaticFiles(directory=OWN), name="static-web")
    root = node_modules()
    for name, folder in VENDOR.items():
        app.mount(
            f"/static/vendor/{name}", StaticFiles(directory=root / folder, check_dir=False), name=f"vendor-{name}"
        )

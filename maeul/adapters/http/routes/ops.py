"""Operations: liveness/readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from maeul.adapters.http.deps import PlatformDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(platform: PlatformDep) -> JSONResponse:
    """200 when the database answers and the writer runs; 503 otherwise, with what is wrong."""
    checks: dict[str, str] = {}
    try:
        with platform.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise, from a health check
        checks["database"] = f"error: {type(exc).__name__}"
    checks["ingest"] = "ok" if platform.ingest.running else "stopped"
    if platform.settings.mqtt_url:
        checks["mqtt"] = "ok" if platform.mqtt_connected() else "disconnected"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks}, status_code=200 if healthy else 503
    )


@router.get("/metrics", response_class=Response)
def metrics(platform: PlatformDep) -> Response:
    return Response(generate_latest(platform.metrics.registry), media_type=CONTENT_TYPE_LATEST)

"""The complaints analytics API under ``/api/v1/complaints/analytics/``: hotspots with trend alerts, similar
districts for an action taken in one, process analytics, and the located requests for the map. Every role of
the tenant reads them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from maeul.adapters.http.deps import ReadConn, Reader
from maeul.adapters.http.errors import ApiError
from maeul.platform import clock
from maeul.services.complaints import analytics
from maeul.services.complaints import analytics_repo as repo
from maeul.services.complaints.ai.records import AiInputError
from maeul.services.complaints.analytics_models import HotspotReport, ProcessOut, SimilarDistricts
from maeul.services.complaints.workflow import LABELS, OPEN, Status

Days = Annotated[int, Query(ge=1, le=3660, description="the period analysed: the last N days")]
Code = Annotated[str | None, Query(max_length=64, description="a service_code")]


def refused(exc: AiInputError) -> ApiError:
    return ApiError(422, "invalid", exc.message_en, [{"message_ko": exc.message_ko}])


def map_features(rows: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """Requests as GeoJSON points; properties: id, status (with its label), category, times, overdue."""
    now = clock.now_ms()
    features = []
    for row in rows:
        status = Status(row["status"])
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": {
                "id": row["id"], "status": status.value, "open": status in OPEN,
                "status_label": LABELS[status][0 if language == "ko" else 1], "category": row["code"],
                "category_name": row["name"] if language == "ko" else (row["name_en"] or row["name"]),
                "requested_at": row["requested_at"], "overdue": status in OPEN and row["deadline_at"] <= now,
            },
        })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/complaints/analytics", tags=["complaints analytics"])

    @router.get("/hotspots", response_model=HotspotReport)
    def get_hotspots(
        actor: Reader, conn: ReadConn, days: Days = 28, category: Code = None,
        eps_m: Annotated[float, Query(gt=0, le=10_000, description="neighbour distance, metres")] = 200.0,
        eps_days: Annotated[float, Query(gt=0, le=90, description="neighbour time distance, days")] = 7.0,
        min_reports: Annotated[int, Query(ge=2, le=1000)] = 4,
        baseline_weeks: Annotated[int, Query(ge=1, le=52)] = 4,
        min_count: Annotated[int, Query(ge=1, le=10_000)] = 5,
        min_ratio: Annotated[float, Query(gt=1, le=100)] = 2.0,
    ) -> HotspotReport:  # fmt: skip
        """Clusters of one category close in space and time (DBSCAN), and the districts whose requests of a
        category rose this week against the baseline weeks, with a Korean and an English sentence."""
        params = analytics.HotspotParams(days, category or None, eps_m, eps_days, min_reports, baseline_weeks,
                                         min_count, min_ratio)  # fmt: skip
        try:
            return analytics.hotspot_report(conn, actor.tenant_id, clock.now_ms(), params)
        except AiInputError as exc:
            raise refused(exc) from None

    @router.get("/similar-districts", response_model=SimilarDistricts)
    def get_similar(
        actor: Reader, conn: ReadConn,
        district: Annotated[str, Query(min_length=1, max_length=20, description="where the action was taken")],
        category: Code = None,
        action_ko: Annotated[str | None, Query(max_length=200, description="the action, in Korean")] = None,
        action_en: Annotated[str | None, Query(max_length=200, description="the action, in English")] = None,
        days: Days = 365, top_k: Annotated[int, Query(ge=1, le=50)] = 3,
        min_total: Annotated[int, Query(ge=1, le=100_000)] = 20,
    ) -> SimilarDistricts:  # fmt: skip
        """Hidden policy demand: the districts whose mix of complaints is most like ``district``'s (where an
        action answered complaints of ``category``), with a suggestion sentence when the action is named."""
        action = None
        if action_ko or action_en:
            action = (action_ko or action_en or "", action_en or action_ko or "")
        try:
            return analytics.similar(conn, actor.tenant_id, clock.now_ms(), district, category=category or None,
                                     days=days, top_k=top_k, min_total=min_total, action=action)  # fmt: skip
        except AiInputError as exc:
            raise refused(exc) from None

    @router.get("/process", response_model=ProcessOut)
    def get_process(actor: Reader, conn: ReadConn, days: Days = 90) -> ProcessOut:
        """Handling time (median, 90th percentile) by department and by category, overdue share, transfers,
        the waiting time per status and the bottlenecks, over the requests made in the last ``days`` days."""
        try:
            return analytics.process(conn, actor.tenant_id, clock.now_ms(), days)
        except AiInputError as exc:
            raise refused(exc) from None

    @router.get("/map", response_class=JSONResponse)
    def get_map(
        actor: Reader, conn: ReadConn, days: Days = 90, category: Code = None,
        status: Annotated[str | None, Query(max_length=30, description="open, closed, or one status")] = None,
        lang: Annotated[str, Query(pattern="^(ko|en)$")] = "ko",
    ) -> JSONResponse:  # fmt: skip
        """Located requests of the period as GeoJSON points (no reporter fields), newest first, at most 5000."""
        if status and status not in ("open", "closed") and status not in {s.value for s in Status}:
            known = ", ".join(["open", "closed", *(s.value for s in Status)])
            raise ApiError(422, "invalid", f"unknown status {status!r}; one of {known}",
                           [{"message_ko": f"알 수 없는 상태입니다: {status}"}])  # fmt: skip
        rows = repo.map_requests(conn, actor.tenant_id, clock.now_ms() - days * repo.DAY_MS,
                                 category=category or None, status=status or None)  # fmt: skip
        return JSONResponse(map_features(rows, lang), media_type="application/geo+json")

    return router

"""The complaints analytics of one tenant: records loaded by ``analytics_repo``, figures from the pure AI core
(hotspots and trend alerts, similar districts, process analytics), answers as ``analytics_models``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from maeul.services.complaints import analytics_repo as repo
from maeul.services.complaints.ai.clustering import hotspots, trend_alerts
from maeul.services.complaints.ai.districts import complaint_mix, similar_districts
from maeul.services.complaints.ai.process import process_stats
from maeul.services.complaints.ai.records import AiInputError, HandlingStats
from maeul.services.complaints.analytics_models import (
    DistrictMatchOut,
    HandlingOut,
    HotspotOut,
    HotspotReport,
    ProcessOut,
    SimilarDistricts,
    StepOut,
    TrendAlertOut,
)

DAY = repo.DAY_MS


@dataclass(frozen=True)
class HotspotParams:
    days: int = 28
    category: str | None = None
    eps_m: float = 200.0
    eps_days: float = 7.0
    min_reports: int = 4
    baseline_weeks: int = 4
    min_count: int = 5
    min_ratio: float = 2.0


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def hotspot_report(conn: Connection, tenant_id: str, now: int, p: HotspotParams) -> HotspotReport:
    locator = repo.Locator(conn, tenant_id)
    names = repo.names(conn, tenant_id, locator)
    span = max(p.days, 7 * (1 + p.baseline_weeks))
    records = repo.complaints(conn, tenant_id, now - span * DAY, now, locator, category=p.category)
    at = repo.as_datetime(now)
    found = hotspots(records, at, window=timedelta(days=p.days), eps_m=p.eps_m,
                     eps_time=timedelta(days=p.eps_days), min_reports=p.min_reports)  # fmt: skip
    alerts = trend_alerts(records, at, baseline_weeks=p.baseline_weeks, min_count=p.min_count,
                          min_ratio=p.min_ratio, district_names=names.districts,
                          category_names=names.categories)  # fmt: skip
    in_window = sum(1 for r in records if r.created_at >= repo.as_datetime(now - p.days * DAY))

    def district(code: str | None) -> str | None:
        return names.districts.get(code, (code, code))[0] if code else None

    return HotspotReport(
        now=now, days=p.days, baseline_weeks=p.baseline_weeks, located_requests=in_window,
        hotspots=[
            HotspotOut(
                category=h.category, category_name=names.categories.get(h.category, (h.category, h.category))[0],
                category_name_en=names.categories.get(h.category, (h.category, h.category))[1], lat=h.lat, lon=h.lon,
                radius_m=h.radius_m, count=h.count, first_at=_ms(h.first_at), last_at=_ms(h.last_at),
                district_code=h.district_code, district_name=district(h.district_code),
                request_ids=[int(i) for i in h.complaint_ids],
            )
            for h in found
        ],
        alerts=[
            TrendAlertOut(
                district_code=a.district_code, district_name=district(a.district_code) or a.district_code,
                category=a.category, this_week=a.this_week, baseline_per_week=round(a.baseline_per_week, 3),
                ratio=None if math.isinf(a.ratio) else round(a.ratio, 3), p_value=a.p_value,
                message_ko=a.message_ko, message_en=a.message_en,
            )
            for a in alerts
        ],
    )  # fmt: skip


def similar(
    conn: Connection, tenant_id: str, now: int, district: str, *, category: str | None = None, days: int = 365,
    top_k: int = 3, min_total: int = 20, action: tuple[str, str] | None = None,
) -> SimilarDistricts:  # fmt: skip
    """Districts whose complaint mix is most like ``district``'s, for an action taken there."""
    locator = repo.Locator(conn, tenant_id)
    names = repo.names(conn, tenant_id, locator)
    if district not in names.districts:
        raise AiInputError(f"{district} 지역이 없습니다", f"no district {district}")
    if category and category not in names.categories:
        raise AiInputError(f"민원 유형 {category}이(가) 없습니다", f"no category {category}")
    mix = complaint_mix(repo.complaints(conn, tenant_id, now - days * DAY, now, locator))
    if district not in mix:  # no located requests there in the period: nothing to compare
        matches = []
    else:
        matches = similar_districts(mix, district, category=category or None, top_k=top_k, min_total=min_total,
                                    district_names=names.districts, action=action)  # fmt: skip
    return SimilarDistricts(
        district_code=district, district_name=names.districts[district][0], category=category or None, days=days,
        districts_compared=len(mix),
        matches=[
            DistrictMatchOut(
                district_code=m.district_code, district_name=names.districts.get(m.district_code, ("", ""))[0],
                district_name_en=names.districts.get(m.district_code, ("", ""))[1], similarity=m.similarity,
                total=m.total, category_share=m.category_share, message_ko=m.message_ko, message_en=m.message_en,
            )
            for m in matches
        ],
    )  # fmt: skip


def _handling(s: HandlingStats) -> HandlingOut:
    return HandlingOut(
        key=s.key, requests=s.requests, finished=s.finished, median_hours=s.median_hours, p90_hours=s.p90_hours,
        overdue=s.overdue, overdue_share=s.overdue_share, transfers=s.transfers,
    )  # fmt: skip


def process(conn: Connection, tenant_id: str, now: int, days: int = 90) -> ProcessOut:
    """Handling time by department and category, overdue share, transfers and bottlenecks of the requests made
    in the last ``days`` days."""
    events, deadlines = repo.status_events(conn, tenant_id, now - days * DAY, now)
    report = process_stats(events, repo.as_datetime(now), deadlines=deadlines)
    return ProcessOut(
        now=now, days=days, overall=_handling(report.overall) if report.overall else None,
        by_department=[_handling(s) for s in report.by_department],
        by_category=[_handling(s) for s in report.by_category],
        steps=[StepOut(status=s.status, visits=s.visits, median_hours=s.median_hours, p90_hours=s.p90_hours,
                       total_hours=s.total_hours, share=s.share) for s in report.steps],
        bottlenecks=list(report.bottlenecks), department_bottlenecks=dict(report.department_bottlenecks),
    )  # fmt: skip

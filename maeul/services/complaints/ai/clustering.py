"""Hotspots (clusters of one category close in space and time) and weekly trend alerts per district."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np
from scipy.stats import binomtest
from sklearn.cluster import DBSCAN

from maeul.services.complaints.ai.geo import EARTH_RADIUS_M
from maeul.services.complaints.ai.records import AiInputError, Complaint, Hotspot, TrendAlert
from maeul.services.complaints.ai.taxonomy import CATEGORY_BY_CODE

MAX_POINTS = 5_000  # per category and window: DBSCAN here keeps an n x n distance matrix


def _distance_matrix(group: Sequence[Complaint], eps_m: float, eps_hours: float) -> np.ndarray:
    """Space-time distance: the larger of metres / eps_m and hours / eps_hours (1 = at the edge)."""
    lat = np.radians([c.lat for c in group])
    lon = np.radians([c.lon for c in group])
    a = (
        np.sin((lat[:, None] - lat[None, :]) / 2) ** 2
        + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2
    )
    metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    t = np.array([c.created_at.timestamp() / 3600 for c in group])
    hours = np.abs(t[:, None] - t[None, :])
    return np.asarray(np.maximum(metres / eps_m, hours / eps_hours))


def hotspots(
    complaints: Sequence[Complaint],
    now: datetime,
    *,
    window: timedelta = timedelta(days=28),
    eps_m: float = 200.0,
    eps_time: timedelta = timedelta(days=7),
    min_reports: int = 4,
) -> list[Hotspot]:
    """Clusters of at least ``min_reports`` complaints of one category created in ``window`` before ``now``.

    DBSCAN on a space-time distance: two complaints are neighbours when they are within ``eps_m`` metres and
    ``eps_time`` of each other. Largest clusters first.
    """
    if not eps_m > 0 or eps_time <= timedelta(0) or min_reports < 2:
        raise AiInputError("반경·기간은 0보다, 최소 건수는 2 이상이어야 합니다", "eps > 0 and min_reports >= 2")
    recent = [c for c in complaints if now - window <= c.created_at <= now]
    by_category: dict[str, list[Complaint]] = {}
    for complaint in recent:
        by_category.setdefault(complaint.category, []).append(complaint)
    out: list[Hotspot] = []
    for category, group in sorted(by_category.items()):
        if len(group) < min_reports:
            continue
        group = sorted(group, key=lambda c: c.created_at)[-MAX_POINTS:]
        matrix = _distance_matrix(group, eps_m, eps_time.total_seconds() / 3600)
        labels = DBSCAN(eps=1.0, min_samples=min_reports, metric="precomputed").fit_predict(matrix)
        for label in sorted(set(labels) - {-1}):
            members = [c for c, lab in zip(group, labels, strict=True) if lab == label]
            lat = float(np.mean([c.lat for c in members]))
            lon = float(np.mean([c.lon for c in members]))
            spread = _distance_matrix([Complaint("", "", category, lat, lon, now), *members], 1.0, 1e12)[0, 1:]
            districts = Counter(c.district_code for c in members if c.district_code)
            out.append(
                Hotspot(
                    category=category,
                    lat=round(lat, 6),
                    lon=round(lon, 6),
                    radius_m=round(float(spread.max()), 1),
                    count=len(members),
                    first_at=members[0].created_at,
                    last_at=members[-1].created_at,
                    district_code=districts.most_common(1)[0][0] if districts else None,
                    complaint_ids=tuple(c.id for c in members),
                )
            )
    out.sort(key=lambda h: (-h.count, h.category, h.lat))
    return out


def _names(code: str, names: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
    return names.get(code, (code, code))


def trend_alerts(
    complaints: Sequence[Complaint],
    now: datetime,
    *,
    baseline_weeks: int = 4,
    min_count: int = 5,
    min_ratio: float = 2.0,
    alpha: float = 0.01,
    district_names: Mapping[str, tuple[str, str]] | None = None,
    category_names: Mapping[str, tuple[str, str]] | None = None,
) -> list[TrendAlert]:
    """Alerts where a district's complaints of a category in the 7 days before ``now`` rose against the
    ``baseline_weeks`` weeks before.

    Test: given n = this week + the baseline total, this week's count is Binomial(n, 1 / (1 + weeks)) if
    nothing changed (two Poisson counts with the same weekly rate); one-sided exact binomial test. An alert
    needs at least ``min_count`` this week, a ratio of at least ``min_ratio`` to the weekly baseline and
    p < ``alpha``. Names for the messages: ``(ko, en)`` by code (defaults: the codes, the built-in categories).
    """
    if baseline_weeks < 1 or min_count < 1 or not min_ratio > 1 or not 0 < alpha < 1:
        raise AiInputError("추세 경보 설정이 올바르지 않습니다", "bad trend-alert settings")
    district_names = district_names or {}
    category_names = dict(category_names or {c.code: (c.name_ko, c.name_en) for c in CATEGORY_BY_CODE.values()})
    week = timedelta(days=7)
    this_week: Counter[tuple[str, str]] = Counter()
    before: Counter[tuple[str, str]] = Counter()
    for c in complaints:
        if not c.district_code:
            continue
        key = (c.district_code, c.category)
        if now - week < c.created_at <= now:
            this_week[key] += 1
        elif now - week * (1 + baseline_weeks) < c.created_at <= now - week:
            before[key] += 1
    alerts: list[TrendAlert] = []
    for (district, category), count in sorted(this_week.items()):
        if count < min_count:
            continue
        baseline = before[(district, category)] / baseline_weeks
        ratio = count / baseline if baseline else float("inf")
        if ratio < min_ratio:
            continue
        p = binomtest(count, count + before[(district, category)], 1 / (1 + baseline_weeks), "greater").pvalue
        if p >= alpha:
            continue
        d_ko, d_en = _names(district, district_names)
        c_ko, c_en = _names(category, category_names)
        if baseline:
            ko = (
                f"{d_ko}의 '{c_ko}' 민원이 이번 주 {count}건으로 지난 {baseline_weeks}주 평균"
                f"({baseline:.1f}건)의 {ratio:.1f}배입니다"
            )
            en = (
                f"{c_en} reports in {d_en}: {count} this week, {ratio:.1f} times the weekly average of the "
                f"previous {baseline_weeks} weeks ({baseline:.1f})"
            )
        else:
            ko = f"{d_ko}의 '{c_ko}' 민원이 이번 주 {count}건 접수되었습니다 (지난 {baseline_weeks}주에는 없음)"
            en = f"{c_en} reports in {d_en}: {count} this week, none in the previous {baseline_weeks} weeks"
        alerts.append(TrendAlert(district, category, count, baseline, ratio, float(p), ko, en))
    alerts.sort(key=lambda a: (a.p_value, -a.this_week))
    return alerts

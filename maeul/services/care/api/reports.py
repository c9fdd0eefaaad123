"""Reports: a home's daily or weekly activity, and the programme's pilot evaluation; JSON, CSV, HTML or PDF."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from maeul.adapters.http.deps import IdPath, ReadConn, Reader
from maeul.adapters.http.errors import ApiError
from maeul.services.care import render
from maeul.services.care.core.reports import DAY_MS, HOUR_MS, local_day_bounds
from maeul.services.care.core.status import KST
from maeul.services.care.store import households
from maeul.services.care.store import reports as repo

router = APIRouter(prefix="/api/v1/care", tags=["care"])
Format = Literal["json", "csv", "html", "pdf"]


def _today() -> date:
    return datetime.now(KST).date()


def _send(fmt: Format, name: str, body_json: Any, csv_text: str, html: str) -> Response:
    if fmt == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        return Response(csv_text, media_type="text/csv; charset=utf-8", headers=headers)
    if fmt == "html":
        return HTMLResponse(html)
    if fmt == "pdf":
        try:
            pdf = render.html_to_pdf(html)
        except render.PdfUnavailable as exc:
            raise ApiError(501, "http_error", str(exc)) from None
        except Exception as exc:  # Chromium failed: say so, the HTML form still works
            raise ApiError(
                503, "busy", f"the PDF could not be printed ({type(exc).__name__}); try format=html"
            ) from None
        headers = {"Content-Disposition": f'attachment; filename="{name}.pdf"'}
        return Response(pdf, media_type="application/pdf", headers=headers)
    return JSONResponse(body_json)


@router.get("/households/{household_id}/activity", response_model=None)
def activity(
    household_id: IdPath,
    actor: Reader,
    conn: ReadConn,
    period: Literal["day", "week"] = "day",
    day: date | None = Query(default=None, description="the (first) day, local time; default today"),
    fmt: Format = Query(default="json", alias="format"),
) -> Response:
    """Motion events per hour (a day) or per day (a week, from ``day``), with the indoor temperature."""
    home = households.get_household(conn, actor.tenant_id, household_id)
    first = day or (_today() if period == "day" else _today() - timedelta(days=6))
    start, _ = local_day_bounds(first)
    daily = period == "week"
    end = start + (7 * DAY_MS if daily else DAY_MS)
    step = DAY_MS if daily else HOUR_MS
    ids = home["device_ids"]
    if daily:  # day buckets start at the tenant's local midnight: read them as they are
        motion = repo.activity(conn, ids, "motion", start - DAY_MS, end, True)
        temp = repo.activity(conn, ids, "temperature", start - DAY_MS, end, True)
        motion = _align(motion, start, end, step)
        temp = _align(temp, start, end, step)
    else:
        motion = repo.activity(conn, ids, "motion", start, end, False)
        temp = repo.activity(conn, ids, "temperature", start, end, False)
    points = [(ts, motion.get(ts, 0.0), temp.get(ts)) for ts in range(start, end, step)]
    label = f"{first.isoformat()} ({'7일 / 7 days' if daily else '1일 / 1 day'})"
    body = {
        "household_id": household_id,
        "code": home["code"],
        "period": period,
        "start": start,
        "end": end,
        "points": [{"ts": ts, "motion": m, "temperature": t} for ts, m, t in points],
    }
    return _send(
        fmt,
        f"care-activity-{home['code']}-{first.isoformat()}",
        body,
        render.activity_csv(points),
        render.activity_html(home["code"], label, points, daily),
    )


def _align(buckets: dict[int, float], start: int, end: int, step: int) -> dict[int, float]:
    """Day buckets keyed by the local-midnight slot they fall in."""
    out: dict[int, float] = {}
    for ts, value in buckets.items():
        slot = start + ((ts - start + step // 2) // step) * step
        if start <= slot < end:
            out[slot] = value
    return out


@router.get("/reports/evaluation", response_model=None)
def evaluation(
    actor: Reader,
    conn: ReadConn,
    start: date | None = Query(default=None, description="first day, local time; default 30 days ago"),
    end: date | None = Query(default=None, description="last day (inclusive); default today"),
    district_code: str | None = Query(default=None, max_length=20),
    fmt: Format = Query(default="json", alias="format"),
) -> Response:
    """The pilot evaluation over a period: homes, alerts by kind, false-alarm share from the recorded outcomes,
    response times (detection to first step, detection to closing), device uptime (hours with data)."""
    last = end or _today()
    first = start or (last - timedelta(days=29))
    if first > last:
        raise ApiError(422, "invalid", "start must not be after end")
    if (last - first).days > 3660:
        raise ApiError(422, "invalid", "the period may span at most ten years")
    start_ms, _ = local_day_bounds(first)
    _, end_ms = local_day_bounds(last)
    ev = repo.programme(conn, actor.tenant_id, start_ms, end_ms, district_code)
    scope = f"{first.isoformat()} – {last.isoformat()}" + (f" · {district_code}" if district_code else "")
    body = {
        **{k: getattr(ev, k) for k in ev.__dataclass_fields__ if k != "notes"},
        "district_code": district_code,
    }
    return _send(
        fmt,
        f"care-evaluation-{first.isoformat()}-{last.isoformat()}",
        body,
        render.evaluation_csv(ev),
        render.evaluation_html(ev, scope),
    )

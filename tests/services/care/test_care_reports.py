"""Reports: a home's activity from the rollups; the pilot evaluation from alarms and recorded outcomes; CSV,
HTML and PDF exports without personal data; the rollout plan with coverage."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from care_support import D1, D2, CareTown, device, ok, send
from fastapi.testclient import TestClient

from maeul.adapters.sql.alarms import raise_alarm
from maeul.core.alarms import Occurrence, Severity
from maeul.platform.app import Platform
from maeul.services.care import render
from maeul.services.care.core.status import KST


def test_daily_activity_counts_motion_per_hour(client: TestClient, town: CareTown) -> None:
    day = datetime.now(KST).date() - timedelta(days=1)
    nine = int(datetime(day.year, day.month, day.day, 9, 5, tzinfo=KST).timestamp() * 1000)
    motion = device(town, "motion")
    send(client, motion, [{"ts": nine, "values": {"motion": 3}}, {"ts": nine + 60_000, "values": {"motion": 4}}])
    send(client, device(town, "temperature"), {"ts": nine, "values": {"temperature": 21.5}})
    path = f"/api/v1/care/households/{town.home['id']}/activity?day={day.isoformat()}"
    report = ok(client.get(path, headers=town.viewer))
    assert len(report["points"]) == 24
    assert report["points"][9]["motion"] == 7 and report["points"][9]["temperature"] == 21.5
    assert sum(p["motion"] for p in report["points"]) == 7
    csv = client.get(path + "&format=csv", headers=town.viewer)
    assert csv.headers["content-type"].startswith("text/csv") and ",7," in csv.text
    html = client.get(path + "&format=html", headers=town.viewer)
    assert "<svg" in html.text and "H001" in html.text and "금곡로" not in html.text
    week = ok(client.get(path.replace("?", "?period=week&"), headers=town.viewer))
    assert len(week["points"]) == 7 and sum(p["motion"] for p in week["points"]) == 7


def test_evaluation_from_outcomes(client: TestClient, town: CareTown, platform: Platform) -> None:
    admin, base = town.admin, "/api/v1/care"
    now = int(datetime.now(KST).timestamp() * 1000)
    cases = []
    for alarm_type in ("care_inactivity", "care_smoke"):
        occurrence = Occurrence("namyangju", "household", town.home["entity_id"], alarm_type, Severity.MAJOR, now, {})
        with platform.engine.begin() as conn:
            raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
    cases = ok(client.get(f"{base}/responses", headers=admin))["items"]
    assert len(cases) == 2  # warnings and dangers open a response by themselves
    first, second = (c["id"] for c in cases)
    step = {"step": "phone_check", "outcome": "reached_ok"}
    ok(client.post(f"{base}/responses/{first}/steps", json=step, headers=town.worker), 201)
    ok(
        client.post(
            f"{base}/responses/{first}/close",
            json={"resolution": "false_alarm", "false_reason": "resident_ok"},
            headers=town.worker,
        )
    )
    no_reason = client.post(f"{base}/responses/{second}/close", json={"resolution": "false_alarm"}, headers=admin)
    assert no_reason.status_code == 422 and no_reason.json()["error"]["details"][0]["message_ko"]
    ok(client.post(f"{base}/responses/{second}/close", json={"resolution": "confirmed"}, headers=admin))
    ev = ok(client.get(f"{base}/reports/evaluation", headers=town.viewer))
    assert ev["homes"] == 1 and ev["devices"] == 4
    assert ev["alerts_by_kind"]["inactivity"] == 1 and ev["alerts_by_kind"]["immediate"] == 1
    assert ev["closed"] == 2 and ev["false_alarm_share"] == 0.5 and ev["false_reasons"] == {"resident_ok": 1}
    assert ev["response_minutes_mean"] is not None
    csv = client.get(f"{base}/reports/evaluation?format=csv", headers=town.viewer).text
    assert "false_alarm_share,0.500" in csv
    html = client.get(f"{base}/reports/evaluation?format=html&district_code={D1}", headers=town.viewer).text
    assert "<svg" in html and "시범사업" in html
    empty = ok(client.get(f"{base}/reports/evaluation?district_code={D2}", headers=town.viewer))
    assert empty["homes"] == 0 and empty["false_alarm_share"] is None
    backwards = client.get(f"{base}/reports/evaluation?start=2026-02-01&end=2026-01-01", headers=town.viewer)
    assert backwards.status_code == 422


@pytest.mark.skipif(render.chromium() is None, reason="no Chromium to print PDFs with")
def test_pdf_export(tmp_path: object) -> None:
    pdf = render.html_to_pdf(render.html_page("제목", "title", "부제", [], [("a", "1")]))
    assert pdf.startswith(b"%PDF")


def test_rollout_plan_and_coverage(client: TestClient, town: CareTown) -> None:
    base = "/api/v1/care/rollout"
    ok(
        client.put(
            f"{base}/{D1}", json={"phase": "pilot", "planned_homes": 4, "start_date": "2018-03-02"}, headers=town.admin
        )
    )
    plan = ok(client.get(base, headers=town.viewer))
    by_code = {i["district_code"]: i for i in plan["items"]}
    assert by_code[D1]["phase"] == "pilot" and by_code[D1]["coverage"] == 0.25 and by_code[D1]["phase_ko"] == "시범"
    assert by_code[D2]["phase"] == "planned" and by_code[D2]["coverage"] is None
    assert plan["summary"]["enrolled_homes"] == 1
    assert (
        client.put(f"{base}/9999999", json={"phase": "pilot", "planned_homes": 1}, headers=town.admin).status_code
        == 422
    )
    assert client.put(f"{base}/{D1}", json={"phase": "done", "planned_homes": 1}, headers=town.admin).status_code == 422
    assert (
        client.put(f"{base}/{D1}", json={"phase": "pilot", "planned_homes": 1}, headers=town.viewer).status_code == 403
    )

"""Console queue and request pages, and the portal's "report a problem" page, both stores."""

from __future__ import annotations

from complaints_support import Town, jpeg_with_exif, ok, reported
from fastapi.testclient import TestClient


def test_queue_filters_and_the_request_page(client: TestClient, town: Town) -> None:
    first = reported(client, town, description="도로에 큰 구멍이 있어요")
    second = reported(client, town, description="도로에 큰 구멍이 있어요 위험해요")
    page = client.get("/console/complaints/", headers=town.admin)
    assert page.status_code == 200 and f"/console/complaints/requests/{first}" in page.text
    filtered = client.get("/console/complaints/?status=closed&overdue=true&triage=false", headers=town.admin)
    assert filtered.status_code == 200 and f'/requests/{first}"' not in filtered.text
    by_dept = client.get(f"/console/complaints/?department_id={town.parks['id']}", headers=town.admin)
    assert f'/requests/{first}"' not in by_dept.text
    detail = client.get(f"/console/complaints/requests/{second}", headers=town.admin)
    assert detail.status_code == 200 and "도로에 큰 구멍" in detail.text
    done = client.post(f"/console/complaints/requests/{second}/status", data={"status": "accepted"},
                       headers=town.admin, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303, done.text
    answered = client.post(f"/console/complaints/requests/{second}/answer", data={"text": "보수했습니다"},
                           headers=town.admin, follow_redirects=False)  # fmt: skip
    assert answered.status_code == 303
    moved = client.post(f"/console/complaints/requests/{first}/transfer", data={"department_id": town.parks["id"]},
                        headers=town.admin, follow_redirects=False)  # fmt: skip
    assert moved.status_code == 303
    merged = client.post(f"/console/complaints/requests/{first}/merge", data={"into_id": second},
                         headers=town.admin, follow_redirects=False)  # fmt: skip
    assert merged.status_code == 303
    history = client.get(f"/console/complaints/requests/{first}", headers=town.admin).text
    assert "transfer" in history and "duplicate" in history
    assert ok(client.get(f"/api/v1/complaints/requests/{first}", headers=town.admin), 200)["status"] == "duplicate"
    refused = client.post(f"/console/complaints/requests/{first}/fly", data={}, headers=town.admin)
    assert refused.status_code == 422


def test_portal_report_goes_through_the_open311_path(client: TestClient, town: Town) -> None:
    form = client.get(f"/portal/complaints/?tenant={town.id}&description=도로가+패였어요&lat=37.63&long=127.21")
    assert form.status_code == 200 and 'value="pothole"' in form.text
    csrf = client.cookies["maeul_csrf"]
    sent = client.post(
        "/portal/complaints/",
        data={"csrf": csrf, "tenant": town.id, "service_code": "pothole", "description": "도로가 패였어요",
              "lat": "37.63", "long": "127.21", "attribute[size]": "large"},
        files={"media": ("p.jpg", jpeg_with_exif(), "image/jpeg")},
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    listed = client.get(f"/open311/v2/requests.json?jurisdiction_id={town.id}")
    assert any(r["description"] == "도로가 패였어요" and r.get("media_url") for r in listed.json())
    bad = client.post("/portal/complaints/", data={"csrf": csrf, "tenant": town.id, "service_code": "pothole",
                                                   "lat": "999", "long": "1"})  # fmt: skip
    assert bad.status_code == 422
    stale = client.post("/portal/complaints/", data={"tenant": town.id, "service_code": "pothole"})
    assert stale.status_code == 403

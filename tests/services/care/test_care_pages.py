"""Console pages: the status board, open responses, the caseworker's field view, reports (no personal data)."""

from __future__ import annotations

from care_support import CareTown, device, send
from fastapi.testclient import TestClient


def test_pages(client: TestClient, town: CareTown) -> None:
    send(client, device(town, "motion"), {"motion": 2})
    board = client.get("/console/care/", headers=town.viewer)
    assert board.status_code == 200 and "H001" in board.text and "금곡로" not in board.text
    for path in ("/console/care/field", "/console/care/responses"):
        assert client.get(path, headers=town.worker).status_code == 200
        assert client.get(path, headers=town.viewer).status_code == 403
    reports = client.get("/console/care/reports", headers=town.viewer)
    assert reports.status_code == 200 and "3113025" in reports.text
    assert client.get("/console/care/", headers={}).status_code == 401

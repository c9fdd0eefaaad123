"""Handling through the staff API with a frozen clock: routing, statuses, deadlines and extensions, overdue
flags, transfers, answers with photos, reopening, merging (all reporters told), rating, roles (both stores)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from complaints_support import Town, jpeg_with_exif, ok, reported
from fastapi.testclient import TestClient
from sqlalchemy import select

from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.core.roles import Role
from maeul.platform import clock
from maeul.platform.app import Platform

DAY = 86_400_000
MONDAY = 1_795_359_600_000  # 2026-11-23T00:00:00+09:00


class Clock:
    def __init__(self, start: int) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock(MONDAY + 10 * 3_600_000)  # Monday 2026-11-23 10:00 Seoul
    monkeypatch.setattr(clock, "now_ms", fake)
    yield fake


def path(request_id: int, action: str = "") -> str:
    return f"/api/v1/complaints/requests/{request_id}" + (f"/{action}" if action else "")


def outbox(platform: Platform) -> list[dict[str, Any]]:
    with platform.engine.connect() as conn:
        rows = conn.execute(
            select(notify_outbox).where(notify_outbox.c.kind == "complaint").order_by(notify_outbox.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def test_routing_deadline_and_the_queue(client: TestClient, town: Town, frozen: Clock) -> None:
    pothole = reported(client, town)
    idea = reported(client, town, service_code="park_idea", **{"attribute[size]": None})
    detail = ok(client.get(path(pothole), headers=town.admin), 200)
    assert detail["department_id"] == town.roads["id"] and detail["status"] == "received"
    assert detail["kind"] == "grievance" and detail["overdue"] is False and "token" not in detail
    # Monday 10:00: 7 working days end Tuesday 12-01 (midnight after it, Seoul); 14 days end Thursday 12-10
    assert detail["deadline_at"] == MONDAY + 9 * DAY
    assert ok(client.get(path(idea), headers=town.admin), 200)["deadline_at"] == MONDAY + 18 * DAY
    queue = ok(client.get("/api/v1/complaints/requests", headers=town.admin), 200)
    assert [r["id"] for r in queue] == [pothole, idea]  # soonest deadline first
    roads = client.get(f"/api/v1/complaints/requests?department_id={town.parks['id']}", headers=town.admin)
    assert [r["id"] for r in roads.json()] == [idea]
    frozen.now += 9 * DAY
    overdue = ok(client.get("/api/v1/complaints/requests?overdue=true", headers=town.admin), 200)
    assert [r["id"] for r in overdue] == [pothole] and overdue[0]["overdue"] is True
    assert [r["id"] for r in client.get("/api/v1/complaints/requests?overdue=false", headers=town.admin).json()] == [
        idea
    ]


def test_the_whole_handling_path_notifies_the_reporter(
    client: TestClient, town: Town, frozen: Clock, platform: Platform
) -> None:
    request_id = reported(client, town, email="citizen@example.kr", phone="010-1234-5678")
    admin = town.admin
    worker = ok(client.post("/api/v1/users", json={"username": "w1", "role": "caseworker"}, headers=admin))
    ok(client.post(path(request_id, "status"), json={"status": "accepted"}, headers=admin), 200)
    assigned = ok(client.post(path(request_id, "assign"), json={"assignee_id": worker["id"]}, headers=admin), 200)
    assert assigned["status"] == "assigned" and assigned["assignee_id"] == worker["id"]
    frozen.now += DAY
    moved = ok(
        client.post(path(request_id, "transfer"), json={"department_id": town.parks["id"], "reason": "공원 안"},
                    headers=admin),
        200,
    )  # fmt: skip
    assert moved["department_id"] == town.parks["id"] and moved["assignee_id"] is None
    assert moved["status"] == "accepted" and moved["deadline_at"] == assigned["deadline_at"]  # the clock runs on
    extended = ok(client.post(path(request_id, "extend"), json={"days": 5, "reason": "현장 확인"}, headers=admin), 200)
    assert extended["extensions"] == 1 and extended["deadline_at"] == assigned["deadline_at"] + 7 * DAY
    again = client.post(path(request_id, "extend"), json={"days": 2, "reason": "자재"}, headers=admin)
    assert again.status_code == 422 and "consent" in again.json()["error"]["message"]
    assert "동의" in again.json()["error"]["details"][0]["message_ko"]
    ok(client.post(path(request_id, "extend"), json={"days": 2, "reason": "자재", "consent": True}, headers=admin), 200)
    answered = ok(client.post(path(request_id, "answer"), json={"text": "보수를 마쳤습니다"}, headers=admin), 200)
    assert answered["status"] == "resolved" and answered["status_notes"] == "보수를 마쳤습니다"
    answer_event = answered["events"][-1]
    assert answer_event["kind"] == "answer"
    photo = client.post(
        f"{path(request_id, 'photos')}?event_id={answer_event['id']}",
        content=jpeg_with_exif(),
        headers={**admin, "Content-Type": "image/jpeg"},
    )
    assert photo.status_code == 201, photo.text
    updates = client.get(f"/open311/v2/servicerequestupdates.json?jurisdiction_id={town.id}").json()
    assert updates[-1]["media_url"].endswith(photo.json()["name"])
    published = client.get(updates[-1]["media_url"].removeprefix("http://testserver")).content
    assert b"SecretCam" not in published
    # Each public change was sent by e-mail and SMS; internal steps (assignment) too, as status changes.
    sent = outbox(platform)
    assert {r["channel"] for r in sent} == {"email", "sms"}
    assert {r["address"] for r in sent} == {"citizen@example.kr", "010-1234-5678"}
    last = [r for r in sent if r["channel"] == "email"][-1]["notification"]
    assert (
        "처리 완료" in last["subject_ko"]
        and "보수를 마쳤습니다" in last["body_ko"]
        and "resolved" in last["subject_en"]
    )
    # rating by the reporter's token, then reopening
    [created] = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id={town.id}").json()
    assert created["status"] == "closed"
    token = client.get(path(request_id), headers=admin).json()
    assert "token" not in token
    with platform.engine.connect() as conn:
        from maeul.services.complaints.tables import complaints_requests as r

        secret = conn.execute(select(r.c.token).where(r.c.id == request_id)).scalar_one()
    rated = client.post("/api/v1/complaints/rating", json={"token": secret, "score": 2, "comment": "느렸어요"})
    assert rated.status_code == 200 and rated.json()["rating"] == 2
    assert client.post("/api/v1/complaints/rating", json={"token": "nope", "score": 2}).status_code == 404
    frozen.now += 20 * DAY
    reopened = ok(client.post(path(request_id, "reopen"), json={"reason": "다시 파였습니다"}, headers=admin), 200)
    assert reopened["status"] == "accepted" and reopened["closed_at"] is None and reopened["extensions"] == 0
    assert reopened["deadline_at"] > frozen.now


def test_refused_changes_keep_the_request(client: TestClient, town: Town, frozen: Clock) -> None:
    request_id = reported(client, town)
    admin = town.admin
    for action, body in (
        ("status", {"status": "closed"}),
        ("status", {"status": "done"}),
        ("reopen", {"reason": "x"}),
        ("transfer", {"department_id": town.roads["id"]}),
        ("assign", {"assignee_id": 999_999}),
    ):
        response = client.post(path(request_id, action), json=body, headers=admin)
        assert response.status_code == 422, (action, response.text)
        assert response.json()["error"]["message_ko"]
    assert client.post(path(999_999, "status"), json={"status": "accepted"}, headers=admin).status_code == 404
    detail = ok(client.get(path(request_id), headers=admin), 200)
    assert detail["status"] == "received" and [e["kind"] for e in detail["events"]] == ["created"]
    rating = client.post("/api/v1/complaints/rating", json={"token": "x" * 32, "score": 9})
    assert rating.status_code == 422


def test_merging_duplicates_tells_every_reporter(
    client: TestClient, town: Town, frozen: Clock, platform: Platform
) -> None:
    first = reported(client, town, email="first@example.kr")
    second = reported(client, town, email="second@example.kr")
    third = reported(client, town, phone="010-3333-3333")
    admin = town.admin
    merged = ok(client.post(path(second, "merge"), json={"into_id": third}, headers=admin), 200)
    assert merged["status"] == "duplicate" and merged["merged_into"] == third
    # merging the target on moves the earlier duplicates with it
    ok(client.post(path(third, "merge"), json={"into_id": first}, headers=admin), 200)
    assert ok(client.get(path(second), headers=admin), 200)["merged_into"] == first
    refused = client.post(path(first, "merge"), json={"into_id": second}, headers=admin)
    assert refused.status_code == 422
    before = {r["id"] for r in outbox(platform)}
    ok(client.post(path(first, "answer"), json={"text": "함께 처리했습니다"}, headers=admin), 200)
    told = {r["address"] for r in outbox(platform) if r["id"] not in before}
    assert told == {"first@example.kr", "second@example.kr", "010-3333-3333"}
    [shown] = client.get(f"/open311/v2/requests/{second}.json?jurisdiction_id={town.id}").json()
    assert shown["status"] == "closed" and f"request {third}" in shown["status_notes"]


def test_anonymous_reports_are_kept_without_contact(client: TestClient, town: Town, platform: Platform) -> None:
    request_id = reported(client, town)
    detail = ok(client.get(path(request_id), headers=town.admin), 200)
    assert detail["anonymous"] is True and detail["email"] is None
    ok(client.post(path(request_id, "answer"), json={"text": "ok"}, headers=town.admin), 200)
    assert outbox(platform) == []


def test_roles(client: TestClient, town: Town) -> None:
    request_id = reported(client, town)
    viewer, caseworker = town.tenant.headers[Role.VIEWER], town.tenant.headers[Role.CASEWORKER]
    assert client.get(path(request_id), headers=viewer).status_code == 200
    assert client.post(path(request_id, "status"), json={"status": "accepted"}, headers=viewer).status_code == 403
    assert client.post(path(request_id, "status"), json={"status": "accepted"}, headers=caseworker).status_code == 200
    body = {"code": "x", "name": "x"}
    assert client.post("/api/v1/complaints/categories", json=body, headers=caseworker).status_code == 403
    assert client.get("/api/v1/complaints/keys", headers=caseworker).status_code == 403


def test_categories_and_settings(client: TestClient, town: Town) -> None:
    admin = town.admin
    dup = client.post("/api/v1/complaints/categories", json={"code": "pothole", "name": "x"}, headers=admin)
    assert dup.status_code == 409
    bad = client.post(
        "/api/v1/complaints/categories",
        json={"code": "y", "name": "y", "attributes": [{"code": "a", "datatype": "singlevaluelist"}]},
        headers=admin,
    )
    assert bad.status_code == 422
    changed = ok(
        client.patch(f"/api/v1/complaints/categories/{town.pothole['id']}", json={"active": False}, headers=admin), 200
    )
    assert changed["active"] is False
    assert [s["service_code"] for s in client.get(f"/open311/v2/services.json?jurisdiction_id={town.id}").json()] == [
        "park_idea"
    ]
    settings = ok(
        client.put(
            "/api/v1/complaints/settings",
            json={"jurisdiction_id": "nyj", "holidays": ["2026-12-25"], "triage_threshold": 0.7},
            headers=admin,
        ),
        200,
    )
    assert settings["holidays"] == ["2026-12-25"] and settings["jurisdiction_id"] == "nyj"
    wrong = client.put(
        "/api/v1/complaints/settings", json={"jurisdiction_id": "nyj", "holidays": ["xmas"]}, headers=admin
    )
    assert wrong.status_code == 422


def test_a_low_confidence_suggestion_goes_to_triage(client: TestClient, town: Town) -> None:
    from maeul.services.complaints import ports

    previous = ports.set_classifier(lambda tenant, text: ports.Suggestion("park_idea", 0.2))
    try:
        request_id = reported(client, town)
    finally:
        ports.set_classifier(previous)
    detail = ok(client.get(path(request_id), headers=town.admin), 200)
    assert detail["needs_triage"] is True and detail["suggested_code"] == "park_idea" and detail["confidence"] == 0.2
    triage = client.get("/api/v1/complaints/requests?needs_triage=true", headers=town.admin).json()
    assert [r["id"] for r in triage] == [request_id]

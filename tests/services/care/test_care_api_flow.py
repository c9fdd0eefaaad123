"""End to end through the API: an emergency button press raises an alarm, the home turns to danger, a response
opens, the caseworker phones, visits, calls the emergency service, closes; the family is told as they asked."""

from __future__ import annotations

import time
from typing import Any

from care_support import CareTown, device, ok, send
from fastapi.testclient import TestClient
from sqlalchemy import select

from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.platform.app import Platform
from maeul.services.care.runtime import runtime_of


def _wait_status(client: TestClient, town: CareTown, wanted: str) -> dict[str, Any]:
    """The rule runner evaluates after the commit, on its own thread: poll (no timing is asserted)."""
    home: dict[str, Any] = {}
    for _ in range(400):
        home = ok(client.get(f"/api/v1/care/households/{town.home['id']}", headers=town.admin))
        if home["status"] == wanted:
            return home
        time.sleep(0.05)
    raise AssertionError(f"status never became {wanted}: {home}")


def test_button_press_to_closed_response(client: TestClient, town: CareTown, platform: Platform) -> None:
    admin = town.admin
    ok(client.put("/api/v1/care/settings", json={"emergency_url": "http://127.0.0.1:9/119"}, headers=admin))
    ok(
        client.post(
            f"/api/v1/care/households/{town.home['id']}/family",
            json={"name": "김가족", "relation": "딸", "phone": "010-1234-5678"},
            headers=admin,
        ),
        201,
    )
    send(client, device(town, "button"), {"button": 1})
    home = _wait_status(client, town, "danger")
    assert "응급" in home["reason_ko"] and "button" in home["reason_en"]
    [case] = ok(client.get("/api/v1/care/responses?open=true", headers=town.worker))["items"]
    assert case["household_id"] == town.home["id"] and case["stage"] == "open"
    # The caseworker of another district neither sees nor handles it.
    assert ok(client.get("/api/v1/care/responses", headers=town.other_worker))["items"] == []
    path = f"/api/v1/care/responses/{case['id']}"
    assert (
        client.post(
            f"{path}/steps", json={"step": "phone_check", "outcome": "no_answer"}, headers=town.other_worker
        ).status_code
        == 403
    )
    step = ok(
        client.post(
            f"{path}/steps",
            json={"step": "phone_check", "outcome": "no_answer", "note": "전화 안 받음"},
            headers=town.worker,
        ),
        201,
    )
    assert step["stage"] == "phone_check" and step["suggested_next"] == "visit" and step["first_action_at"]
    alarm = ok(client.get(f"/api/v1/alarms/{case['alarm_id']}", headers=admin))
    assert alarm["acknowledged"] is True
    ok(client.post(f"{path}/steps", json={"step": "visit", "outcome": "found_needs_help"}, headers=town.worker), 201)
    back = client.post(f"{path}/steps", json={"step": "phone_check", "outcome": "reached_ok"}, headers=town.worker)
    assert back.status_code == 422 and back.json()["error"]["details"][0]["message_ko"]
    ok(client.post(f"{path}/steps", json={"step": "emergency", "outcome": "dispatched"}, headers=town.worker), 201)
    closed = ok(client.post(f"{path}/close", json={"resolution": "confirmed"}, headers=town.worker))
    assert closed["stage"] == "closed" and closed["resolution"] == "confirmed"
    detail = ok(client.get(path, headers=town.worker))
    assert [s["step"] for s in detail["steps"]] == ["phone_check", "visit", "emergency"]
    assert detail["steps"][0]["note"] == "전화 안 받음"
    with platform.engine.connect() as conn:
        rows = conn.execute(select(notify_outbox.c.id, notify_outbox.c.channel, notify_outbox.c.notification)).all()
    ids = {r.id for r in rows}
    assert any(".care." in i and ".emergency.webhook" in i for i in ids)
    family = [r for r in rows if ".f" in r.id and r.channel == "sms"]
    assert {r.id.split(".")[3] for r in family} == {"danger", "emergency", "closed"}
    for r in family:  # the family's message names the home, never the person
        assert "김가족" not in str(r.notification)
    assert runtime_of(platform) is not None

"""Notification settings and the delivery log through the REST API (both stores, real SMTP server)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from api_support import assert_error
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))

from notify_support import BrowserSubscription, SmtpServer

from maeul.adapters.sql import accounts, alarms
from maeul.adapters.sql.notify_tables import notify_channels
from maeul.core.alarms import Occurrence, Severity
from maeul.core.roles import Role
from maeul.platform.app import Platform

HOOK_SECRET = "webhook-secret-0123456789"


def email_config(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_address": "alarm@city.example.kr",
        "helo_name": "maeul.test",
        **extra,
    }


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def stored_config(platform: Platform, channel: str) -> dict[str, Any]:
    with platform.engine.connect() as conn:
        row = conn.execute(notify_channels.select().where(notify_channels.c.channel == channel)).mappings().one()
    return dict(row["config"])


def test_channel_settings_hide_their_secrets(client: TestClient, tenant: Any, admin: dict, platform: Platform) -> None:
    config = email_config(2525, security="starttls", username="alarm", password="smtp-password-1")
    shown = ok(client.put("/api/v1/notification-channels/email", json=config, headers=admin))
    assert shown["channel"] == "email" and shown["config"]["password"] == "********"
    assert shown["config"]["username"] == "alarm" and "smtp-password-1" not in str(shown)
    hook = {"endpoints": [{"url": "https://119.example.kr/h", "secret": HOOK_SECRET, "headers": {"X-Token": "t0k"}}]}
    ok(client.put("/api/v1/notification-channels/webhook", json=hook, headers=admin))
    listed = ok(client.get("/api/v1/notification-channels", headers=admin))
    assert [c["channel"] for c in listed] == ["email", "webhook"]
    assert HOOK_SECRET not in str(listed) and "t0k" not in str(listed) and "smtp-password-1" not in str(listed)
    # Sending the masked answer back (with a change) keeps the stored secret.
    changed = dict(shown["config"], port=2526)
    ok(client.put("/api/v1/notification-channels/email", json=changed, headers=admin))
    assert stored_config(platform, "email")["password"] == "smtp-password-1"
    assert stored_config(platform, "email")["port"] == 2526
    ok(client.delete("/api/v1/notification-channels/webhook", headers=admin), 204)
    assert_error(client.delete("/api/v1/notification-channels/webhook", headers=admin), 404, "not_found")


@pytest.mark.parametrize(
    ("channel", "config", "fragment"),
    [
        ("email", {"host": "smtp.kr"}, "from_address"),
        ("email", {"host": "smtp.kr", "from_address": "a@b.kr", "colour": "blue"}, "unknown setting"),
        ("webhook", {"endpoints": [{"url": "https://h.kr", "secret": "short"}]}, "secret"),
        ("webhook", {"endpoints": [{"url": "https://h.kr", "secret": "********"}]}, "no stored secret"),
        ("webpush", {"vapid_key_file": "/etc/passwd", "subject": "mailto:a@b.kr"}, "relative path"),
        ("webpush", {"vapid_key_file": "../../x.pem", "subject": "mailto:a@b.kr"}, "relative path"),
        ("sms", {"url": "ftp://gateway"}, "url"),
    ],
)
def test_unusable_channel_settings_are_refused(
    client: TestClient, admin: dict, channel: str, config: dict[str, Any], fragment: str
) -> None:
    error = assert_error(client.put(f"/api/v1/notification-channels/{channel}", json=config, headers=admin), 422)
    assert fragment in error["message"], error


def test_unknown_channel_names_are_refused(client: TestClient, admin: dict) -> None:
    assert_error(client.put("/api/v1/notification-channels/pigeon", json={}, headers=admin), 422)


def test_contacts_lifecycle(client: TestClient, tenant: Any, admin: dict, make_tenant: Any, platform: Platform) -> None:
    with platform.engine.connect() as conn:
        caseworker = next(u for u in accounts.list_users(conn, tenant.id) if u["role"] == "caseworker")
    subscription = BrowserSubscription("https://push.example.kr/s/1")
    body = {
        "name": "김복지",
        "user_id": caseworker["id"],
        "addresses": {"email": "kim@city.kr", "sms": "010-1234-5678", "webpush": subscription.to_json()},
        "channels": ["webpush", "sms", "email"],
        "language": "both",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
    }
    created = ok(client.post("/api/v1/contacts", json=body, headers=admin), 201)
    assert created["tenant_id"] == tenant.id and created["channels"] == ["webpush", "sms", "email"]
    assert_error(client.post("/api/v1/contacts", json=body, headers=admin), 409, "conflict")
    family = {"name": "딸", "addresses": {"email": "d@family.kr"}, "channels": ["email"]}
    daughter = ok(client.post("/api/v1/contacts", json=family, headers=admin), 201)
    assert daughter["user_id"] is None and daughter["language"] == "ko" and daughter["active"] is True
    patched = ok(client.patch(f"/api/v1/contacts/{daughter['id']}", json={"language": "en"}, headers=admin))
    assert patched["language"] == "en" and patched["addresses"] == {"email": "d@family.kr"}
    bad = client.patch(f"/api/v1/contacts/{daughter['id']}", json={"channels": ["sms"]}, headers=admin)
    assert "no address" in assert_error(bad, 422)["message"]
    assert ok(client.get(f"/api/v1/contacts/{daughter['id']}", headers=admin)) == patched
    assert [c["id"] for c in ok(client.get("/api/v1/contacts", headers=admin))] == [created["id"], daughter["id"]]
    other = make_tenant("suwon")
    assert_error(client.get(f"/api/v1/contacts/{daughter['id']}", headers=other.admin), 404, "not_found")
    assert ok(client.get("/api/v1/contacts", headers=other.admin)) == []
    ok(client.delete(f"/api/v1/contacts/{daughter['id']}", headers=admin), 204)
    assert_error(client.get(f"/api/v1/contacts/{daughter['id']}", headers=admin), 404)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x", "addresses": {"email": "not an address"}}, 422),
        ({"name": "x", "addresses": {"sms": "call me"}}, 422),
        ({"name": "x", "addresses": {"webhook": "ftp://x"}}, 422),
        ({"name": "x", "addresses": {"webpush": '{"endpoint": "https://p"}'}}, 422),
        ({"name": "x", "addresses": {"email": "a@b.kr"}, "channels": ["sms"]}, 422),
        ({"name": "x", "quiet_start": "22:00"}, 422),
        ({"name": "x", "quiet_start": "25:00", "quiet_end": "07:00"}, 422),
        ({"name": "x", "user_id": 2_000_000}, 422),
        ({"name": "x", "language": "ja"}, 422),
        ({"name": ""}, 422),
    ],
)
def test_bad_contacts_are_refused(client: TestClient, admin: dict, body: dict[str, Any], status: int) -> None:
    assert_error(client.post("/api/v1/contacts", json=body, headers=admin), status)


def test_escalation_policies_lifecycle(client: TestClient, tenant: Any, admin: dict, make_tenant: Any) -> None:
    hook = ok(client.post("/api/v1/contacts", json={"name": "119", "addresses": {"webhook": "https://119.kr/h"}},
                          headers=admin), 201)  # fmt: skip
    steps = [
        {"delay_s": 0, "assignee": True},
        {"delay_s": 900, "roles": ["operator"], "channels": ["sms", "email"]},
        {"delay_s": 1800, "contacts": [hook["id"]], "all_channels": True},
    ]
    body = {"name": "독거노인 무활동", "alarm_type": "no_motion", "min_severity": "major", "steps": steps}
    created = ok(client.post("/api/v1/escalation-policies", json=body, headers=admin), 201)
    assert created["enabled"] is True and [s["delay_s"] for s in created["steps"]] == [0, 900, 1800]
    assert created["steps"][1]["roles"] == ["operator"] and created["steps"][0]["channels"] is None
    replaced = ok(
        client.put(f"/api/v1/escalation-policies/{created['id']}", json={**body, "enabled": False}, headers=admin)
    )
    assert replaced["enabled"] is False and replaced["created_at"] == created["created_at"]
    assert ok(client.get("/api/v1/escalation-policies", headers=admin)) == [replaced]
    in_use = client.delete(f"/api/v1/contacts/{hook['id']}", headers=admin)
    assert "escalation policy" in assert_error(in_use, 409, "conflict")["message"]
    other = make_tenant("suwon")
    assert_error(client.get(f"/api/v1/escalation-policies/{created['id']}", headers=other.admin), 404)
    theirs = {**body, "steps": [{"delay_s": 0, "contacts": [hook["id"]]}]}
    assert_error(client.post("/api/v1/escalation-policies", json=theirs, headers=other.admin), 422, "invalid")
    ok(client.delete(f"/api/v1/escalation-policies/{created['id']}", headers=admin), 204)
    assert ok(client.get("/api/v1/escalation-policies", headers=admin)) == []


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [{"delay_s": 0}],
        [{"delay_s": 900, "assignee": True}, {"delay_s": 0, "assignee": True}],
        [{"delay_s": -1, "assignee": True}],
        [{"delay_s": 0, "roles": ["mayor"]}],
        [{"delay_s": 0, "assignee": True, "channels": []}],
        [{"delay_s": 0, "assignee": True, "channels": ["fax"]}],
        [{"delay_s": 0, "users": [999_999]}],
    ],
)
def test_bad_policies_are_refused(client: TestClient, admin: dict, steps: list[Any]) -> None:
    body = {"name": "p", "steps": steps}
    assert_error(client.post("/api/v1/escalation-policies", json=body, headers=admin), 422)


def test_only_admins_manage_settings_and_viewers_do_not_read_the_log(client: TestClient, tenant: Any) -> None:
    for role in (Role.OPERATOR, Role.CASEWORKER, Role.VIEWER):
        headers = tenant.headers[role]
        for path in ("/api/v1/notification-channels", "/api/v1/contacts", "/api/v1/escalation-policies"):
            assert_error(client.get(path, headers=headers), 403, "forbidden")
        assert_error(client.post("/api/v1/contacts", json={"name": "x"}, headers=headers), 403, "forbidden")
    for role in (Role.ADMIN, Role.OPERATOR, Role.CASEWORKER):
        assert ok(client.get("/api/v1/notifications", headers=tenant.headers[role])) == {
            "items": [],
            "next_offset": None,
        }
    assert_error(client.get("/api/v1/notifications", headers=tenant.headers[Role.VIEWER]), 403, "forbidden")
    assert_error(client.get("/api/v1/notifications"), 401, "unauthorized")


def test_the_delivery_log_shows_each_notification_and_its_attempts(
    client: TestClient, tenant: Any, admin: dict, platform: Platform, make_tenant: Any
) -> None:
    with SmtpServer() as smtp:
        ok(client.put("/api/v1/notification-channels/email", json=email_config(smtp.port), headers=admin))
        subscription = BrowserSubscription("https://push.example.kr/send/abc")
        family = {"name": "딸", "addresses": {"email": "d@family.kr", "webpush": subscription.to_json()},
                  "channels": ["email"]}  # fmt: skip
        daughter = ok(client.post("/api/v1/contacts", json=family, headers=admin), 201)
        steps = [{"delay_s": 0, "contacts": [daughter["id"]]}]
        ok(client.post("/api/v1/escalation-policies", json={"name": "p", "steps": steps}, headers=admin), 201)
        occurrence = Occurrence(tenant.id, "household", 3, "no_motion", Severity.MAJOR, int(time.time() * 1000), {})
        with platform.engine.begin() as conn:
            alarm, _ = alarms.raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not smtp.received:
            time.sleep(0.05)
        assert len(smtp.received) == 1
    caseworker = tenant.headers[Role.CASEWORKER]
    for _ in range(100):  # the dispatcher records the result right after the SMTP server accepted the message
        page = ok(client.get(f"/api/v1/notifications?alarm_id={alarm['id']}", headers=caseworker))
        if page["items"] and page["items"][0]["status"] == "delivered":
            break
        time.sleep(0.05)
    [item] = page["items"]
    assert item["status"] == "delivered" and item["channel"] == "email" and item["address"] == "d@family.kr"
    assert item["recipient"] == f"c{daughter['id']}" and item["attempts"] == 1 and item["kind"] == "raised"
    assert item["subject_ko"].startswith("[마을] 중요 경보 발생") and item["subject_en"].startswith("[Maeul] Major")
    assert ok(client.get(f"/api/v1/notifications/{item['id']}", headers=caseworker)) == item
    [attempt] = ok(client.get(f"/api/v1/notifications/{item['id']}/attempts", headers=caseworker))
    assert attempt["status"] == "delivered" and attempt["outbox_id"] == item["id"] and attempt["error"] is None
    assert attempt["detail"]["message_id"].startswith("<maeul.")
    filtered = ok(client.get("/api/v1/notifications?status=failed", headers=caseworker))
    assert filtered["items"] == []
    assert ok(client.get(f"/api/v1/notifications?recipient=c{daughter['id']}&limit=1", headers=admin))["items"]
    other = make_tenant("suwon")
    assert ok(client.get("/api/v1/notifications", headers=other.admin))["items"] == []
    assert_error(client.get(f"/api/v1/notifications/{item['id']}/attempts", headers=other.admin), 404, "not_found")
    assert_error(client.get("/api/v1/notifications?status=lost", headers=admin), 422)


def test_push_subscriptions_are_not_shown_in_the_log(
    client: TestClient, tenant: Any, admin: dict, platform: Platform
) -> None:
    subscription = BrowserSubscription("https://push.example.kr/send/secret-path")
    family = {"name": "딸", "addresses": {"webpush": subscription.to_json()}, "channels": ["webpush"]}
    daughter = ok(client.post("/api/v1/contacts", json=family, headers=admin), 201)
    push = {"vapid_key_file": "vapid/test.pem", "subject": "mailto:ops@city.kr"}
    ok(client.put("/api/v1/notification-channels/webpush", json=push, headers=admin))
    steps = [{"delay_s": 0, "contacts": [daughter["id"]]}]
    ok(client.post("/api/v1/escalation-policies", json={"name": "p", "steps": steps}, headers=admin), 201)
    occurrence = Occurrence(tenant.id, "household", 3, "no_motion", Severity.MAJOR, int(time.time() * 1000), {})
    assert platform.notify is not None
    platform.notify.stop()  # keep the row as queued: nothing is delivered in this test
    with platform.engine.begin() as conn:
        alarms.raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
    [item] = ok(client.get("/api/v1/notifications", headers=admin))["items"]
    assert item["address"] == "https://push.example.kr/…" and "secret-path" not in str(item)

"""The VAPID public key a browser subscribes to Web Push with: one key pair per tenant, readable by every user,
and the very key the dispatcher signs its pushes with (both stores; a real push service on 127.0.0.1)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import orjson
from api_support import assert_error
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))

from notify_support import BrowserSubscription, Receiver, Reply, decrypt_aes128gcm, verify_vapid

from maeul.adapters.notify.webpush import b64url_decode
from maeul.adapters.sql import alarms
from maeul.core.alarms import Occurrence, Severity
from maeul.core.roles import Role
from maeul.platform.app import Platform
from maeul.testing.mosquitto import wait_until

KEY_PATH = "/api/v1/notifications/webpush/vapid-public-key"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def push_settings(name: str, **extra: Any) -> dict[str, Any]:
    return {"vapid_key_file": f"vapid/{name}.pem", "subject": "mailto:ops@city.example.kr", **extra}


def test_every_user_reads_the_tenant_key_and_each_tenant_has_its_own(
    client: TestClient, tenant: Any, make_tenant: Any, platform: Platform
) -> None:
    assert_error(client.get(KEY_PATH, headers=tenant.admin), 404, "not_found")  # Web Push not configured
    ok(client.put("/api/v1/notification-channels/webpush", json=push_settings("namyangju"), headers=tenant.admin))
    keys = {ok(client.get(KEY_PATH, headers=tenant.headers[role]))["public_key"] for role in Role}
    assert len(keys) == 1, "the same key for every role"
    [key] = keys
    raw = b64url_decode(key)
    assert len(raw) == 65 and raw[0] == 4, "an uncompressed P-256 point, as applicationServerKey expects"
    key_file = platform.settings.data_dir / "vapid" / "namyangju.pem"
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0, "created on first use, private to Maeul"
    assert ok(client.get(KEY_PATH, headers=tenant.admin))["public_key"] == key, "stable"

    other = make_tenant("suwon")
    assert_error(client.get(KEY_PATH, headers=other.admin), 404, "not_found")
    ok(client.put("/api/v1/notification-channels/webpush", json=push_settings("suwon"), headers=other.admin))
    assert ok(client.get(KEY_PATH, headers=other.admin))["public_key"] != key
    assert client.get(KEY_PATH).status_code == 401


def test_the_key_a_browser_subscribes_with_signs_the_pushes_it_receives(
    client: TestClient, tenant: Any, platform: Platform
) -> None:
    with Receiver(lambda request: Reply(201, {"Location": "/m/1"})) as push_service:
        settings = push_settings("namyangju", allow_insecure_endpoints=True)
        ok(client.put("/api/v1/notification-channels/webpush", json=settings, headers=tenant.admin))
        # The browser asks for the key first, then subscribes; the subscription becomes the contact's address.
        key = ok(client.get(KEY_PATH, headers=tenant.headers[Role.CASEWORKER]))["public_key"]
        browser = BrowserSubscription(push_service.url("/push/abc"))
        contact = {"name": "김복지", "addresses": {"webpush": browser.to_json()}, "channels": ["webpush"]}
        created = ok(client.post("/api/v1/contacts", json=contact, headers=tenant.admin), 201)
        steps = [{"delay_s": 0, "contacts": [created["id"]]}]
        ok(client.post("/api/v1/escalation-policies", json={"name": "p", "steps": steps}, headers=tenant.admin), 201)
        occurrence = Occurrence(tenant.id, "household", 3, "no_motion", Severity.MAJOR, int(time.time() * 1000), {})
        with platform.engine.begin() as conn:
            alarms.raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
        assert wait_until(lambda: bool(push_service.requests), 30, 0.05), "no push arrived"

        [request] = push_service.requests
        _claims, signed_with = verify_vapid(request.header("Authorization") or "", push_service.url(""))
        assert signed_with == key
        message = orjson.loads(decrypt_aes128gcm(request.body, browser.private_key, browser.auth))
        assert message["data"]["type"] == "no_motion"

"""Web Push against a real local push service that verifies the VAPID JWT and decrypts the payload."""

from __future__ import annotations

import stat
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from notify_support import BrowserSubscription, Receiver, Recorded, Reply, decrypt_aes128gcm, notification, verify_vapid

from maeul.adapters.notify.webpush import (
    MAX_PLAINTEXT,
    PushSubscription,
    VapidKey,
    WebPushChannel,
    WebPushConfig,
    b64url,
    b64url_decode,
    encrypt,
    fit_payload,
    topic,
    webpush_payload,
)

# RFC 8291 Appendix A: published example values (not secrets).
RFC_PLAINTEXT = b"When I grow up, I want to be a watermelon"
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_BODY = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
    "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
    "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)


def _private(b64: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(b64url_decode(b64), "big"), ec.SECP256R1())


def test_encryption_matches_rfc_8291_appendix_a() -> None:
    body = encrypt(
        RFC_PLAINTEXT,
        b64url_decode(RFC_UA_PUBLIC),
        b64url_decode(RFC_AUTH),
        salt=b64url_decode(RFC_SALT),
        sender_key=_private(RFC_AS_PRIVATE),
    )
    assert b64url(body) == RFC_BODY


def test_test_decryptor_opens_the_rfc_example() -> None:
    plaintext = decrypt_aes128gcm(b64url_decode(RFC_BODY), _private(RFC_UA_PRIVATE), b64url_decode(RFC_AUTH))
    assert plaintext == RFC_PLAINTEXT


def test_vapid_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "vapid.pem"
    key = VapidKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = VapidKey.load_or_create(path)
    assert again.public_key_b64url() == key.public_key_b64url()
    raw = b64url_decode(key.public_key_b64url())
    assert len(raw) == 65 and raw[0] == 4 and "=" not in key.public_key_b64url()
    assert [p.name for p in path.parent.iterdir()] == ["vapid.pem"]  # no temporary file left behind


class PushService:
    """Plays the push service: checks VAPID, decrypts with the subscription's private key, answers 201."""

    def __init__(self, browser: BrowserSubscription, status: int = 201, headers: dict[str, str] | None = None):
        self.browser = browser
        self.status = status
        self.headers = headers or {"Location": "/m/1"}
        self.payloads: list[Any] = []
        self.vapid_keys: list[str] = []
        self.errors: list[str] = []

    def __call__(self, request: Recorded) -> Reply:
        try:
            origin = self.browser.endpoint.split("/push/")[0]
            _, key = verify_vapid(request.header("Authorization") or "", origin)
            self.vapid_keys.append(key)
            self.payloads.append(
                orjson.loads(decrypt_aes128gcm(request.body, self.browser.private_key, self.browser.auth))
            )
        except Exception as exc:  # reported by the test, not swallowed
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return Reply(400, {}, b"invalid")
        return Reply(self.status, self.headers, b"")


def push_channel(tmp_path: Path, **overrides: Any) -> WebPushChannel:
    values: dict[str, Any] = {
        "vapid_key_file": tmp_path / "vapid.pem",
        "subject": "mailto:ops@city.example.kr",
        "allow_insecure_endpoints": True,
        "ttl_s": 3600,
    }
    values.update(overrides)
    return WebPushChannel(WebPushConfig.model_validate(values))


def test_push_payload_decrypts_to_the_json_sent(tmp_path: Path) -> None:
    with Receiver() as rx:
        browser = BrowserSubscription(rx.url("/push/abc"))
        service = PushService(browser)
        rx.respond = service
        n = notification("webpush", browser.to_json())
        with closing(push_channel(tmp_path)) as ch:
            result = ch.deliver(n)
            public_key = ch.public_key_b64url()
    assert service.errors == []
    assert result.ok and result.detail["http_status"] == 201 and result.detail["message_url"] == "/m/1", result
    assert service.payloads == [webpush_payload(n)]
    assert service.payloads[0]["ko"]["body"] == n.body_ko and service.payloads[0]["lang"] == "ko"
    assert service.vapid_keys == [public_key]
    (request,) = rx.requests
    assert request.header("Content-Encoding") == "aes128gcm"
    assert request.header("Content-Type") == "application/octet-stream"
    assert request.header("TTL") == "3600"
    assert request.header("Urgency") == "high"  # severity critical
    assert request.header("Topic") == topic(n.id) and len(topic(n.id)) == 32


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_permanent(tmp_path: Path, status: int) -> None:
    with Receiver() as rx:
        browser = BrowserSubscription(rx.url("/push/gone"))
        rx.respond = PushService(browser, status=status, headers={})
        with closing(push_channel(tmp_path)) as ch:
            result = ch.deliver(notification("webpush", browser.to_json()))
    assert not result.ok and not result.retryable and result.status == "subscription_gone", result
    assert result.detail["unsubscribe"] is True and "gone" in (result.error or "")


@pytest.mark.parametrize(
    ("status", "headers", "retryable", "retry_after"),
    [(429, {"Retry-After": "12"}, True, 12.0), (503, {}, True, None), (413, {}, False, None), (400, {}, False, None)],
)
def test_push_service_statuses(
    tmp_path: Path, status: int, headers: dict[str, str], retryable: bool, retry_after: float | None
) -> None:
    with Receiver(lambda request: Reply(status, headers)) as rx, closing(push_channel(tmp_path)) as ch:
        result = ch.deliver(notification("webpush", BrowserSubscription(rx.url("/push/x")).to_json()))
    assert not result.ok and result.retryable is retryable and result.retry_after_s == retry_after, result


def test_push_service_down_is_retryable(tmp_path: Path) -> None:
    from maeul.testing.ports import free_port

    browser = BrowserSubscription(f"http://127.0.0.1:{free_port()}/push/x")
    with closing(push_channel(tmp_path)) as ch:
        result = ch.deliver(notification("webpush", browser.to_json()))
    assert not result.ok and result.retryable and result.status == "connection_error"


def test_bad_subscriptions_are_permanent(tmp_path: Path) -> None:
    browser = BrowserSubscription("https://push.example/push/x")
    good = orjson.loads(browser.to_json())
    cases = [
        "not json",
        orjson.dumps({"endpoint": "https://push.example/x"}).decode(),
        orjson.dumps({**good, "keys": {**good["keys"], "auth": b64url(b"short")}}).decode(),
        orjson.dumps({**good, "keys": {**good["keys"], "p256dh": b64url(b"\x04" + b"\x01" * 64)}}).decode(),
        orjson.dumps({**good, "endpoint": "http://push.example/x"}).decode(),  # https required by default
    ]
    with closing(push_channel(tmp_path, allow_insecure_endpoints=False)) as ch:
        for recipient in cases:
            result = ch.deliver(notification("webpush", recipient))
            assert not result.ok and not result.retryable and result.status == "invalid_recipient", recipient
        expired = {**good, "expirationTime": 1000}
        gone = ch.deliver(notification("webpush", orjson.dumps(expired).decode()))
    assert gone.status == "subscription_gone" and not gone.retryable


def test_endpoint_hosts_restrict_the_push_services(tmp_path: Path) -> None:
    sub = BrowserSubscription("https://evil.example/push/x").to_json()
    with closing(push_channel(tmp_path, endpoint_hosts=["push.services.mozilla.com", "fcm.googleapis.com"])) as ch:
        result = ch.deliver(notification("webpush", sub))
    assert result.status == "invalid_recipient" and "not an accepted push service" in (result.error or "")


def test_large_payload_is_fitted_to_the_push_limit() -> None:
    n = notification(
        "webpush", "{}", body_ko="가" * 3000, body_en="x" * 3000, data={"alarm_id": 1, "blob": ["y"] * 500}
    )
    encoded = fit_payload(webpush_payload(n))
    assert len(encoded) <= MAX_PLAINTEXT
    slim = orjson.loads(encoded)
    assert slim["id"] == n.id and slim["data"] == {"alarm_id": 1} and slim["body"].endswith("…")
    assert "ko" not in slim and slim["title"] == n.subject_ko


def test_subscription_parsing_accepts_padded_base64() -> None:
    browser = BrowserSubscription("https://push.example/x")
    doc = orjson.loads(browser.to_json())
    doc["keys"]["auth"] += "=" * (-len(doc["keys"]["auth"]) % 4)
    sub = PushSubscription.parse(orjson.dumps(doc).decode())
    assert sub.auth == browser.auth and sub.p256dh == browser.public_bytes


def test_config_rejects_bad_subject(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mailto"):
        WebPushConfig.model_validate({"vapid_key_file": tmp_path / "k.pem", "subject": "ops@city.example.kr"})

"""Webhooks against a real HTTP receiver: signature, idempotency key, failure classes, receiver outage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from email.utils import formatdate

import pytest
from notify_support import DedupReceiver, Receiver, Recorded, Reply, notification

from maeul.adapters.notify._http import parse_retry_after
from maeul.adapters.notify.webhook import (
    WebhookChannel,
    WebhookConfig,
    WebhookEndpoint,
    sign,
    verify_signature,
    webhook_payload,
)
from maeul.testing.ports import free_port

SECRET = "s3cret-for-the-ops-endpoint"


def channel_for(*urls: str, timeout_s: float = 5.0) -> WebhookChannel:
    endpoints = [{"url": u, "secret": SECRET} for u in urls]
    return WebhookChannel(WebhookConfig.model_validate({"endpoints": endpoints, "timeout_s": timeout_s}))


def verifies(request: Recorded) -> bool:
    return verify_signature(
        SECRET, request.header("X-Maeul-Timestamp"), request.body, request.header("X-Maeul-Signature")
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


def test_post_is_signed_json_with_idempotency_key(receiver: Receiver) -> None:
    n = notification("webhook", receiver.url("/hook"))
    with closing(channel_for(receiver.url("/hook"))) as ch:
        result = ch.deliver(n)
    assert result.ok, result
    assert result.status == "delivered" and result.detail["http_status"] == 200
    (request,) = receiver.requests
    assert request.method == "POST" and request.path == "/hook"
    assert request.header("Content-Type") == "application/json"
    assert request.header("Idempotency-Key") == n.id
    assert request.json() == webhook_payload(n)
    assert request.json()["subject"] == {"ko": n.subject_ko, "en": n.subject_en}
    assert abs(int(request.header("X-Maeul-Timestamp") or 0) - time.time()) < 5
    assert verifies(request)


def test_tampered_body_wrong_secret_and_stale_timestamp_fail(receiver: Receiver) -> None:
    with closing(channel_for(receiver.url("/hook"))) as ch:
        assert ch.deliver(notification("webhook", receiver.url("/hook"))).ok
    (request,) = receiver.requests
    timestamp, header = request.header("X-Maeul-Timestamp"), request.header("X-Maeul-Signature")
    assert verify_signature(SECRET, timestamp, request.body, header)
    tampered = request.body.replace(b"3.2m", b"0.2m")
    assert tampered != request.body
    assert not verify_signature(SECRET, timestamp, tampered, header)
    assert not verify_signature("another-secret-of-16+", timestamp, request.body, header)
    assert not verify_signature(SECRET, str(int(timestamp or 0) + 1), request.body, header)
    assert not verify_signature(SECRET, timestamp, request.body, header, now=time.time() + 301)
    assert verify_signature(SECRET, timestamp, request.body, header, tolerance_s=600, now=time.time() + 301)
    assert not verify_signature(SECRET, timestamp, request.body, None)
    assert not verify_signature(SECRET, None, request.body, header)
    assert not verify_signature(SECRET, "abc", request.body, header)
    # Several signatures (secret rotation): one match is enough.
    assert verify_signature(SECRET, timestamp, request.body, f"sha256={'0' * 64}, {header}")


def test_sign_matches_the_documented_construction() -> None:
    import hashlib
    import hmac

    body = b'{"id":"x"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, "1700000000", body) == f"sha256={expected}"


def test_receiver_down_then_back_gets_the_notification_once() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    n = notification("webhook", url)
    dedup = DedupReceiver(verifies)
    with closing(channel_for(url)) as ch:
        down = ch.deliver(n)
        assert not down.ok and down.retryable and down.status == "connection_error", down
        with Receiver(dedup, port=port) as rx:
            first = ch.deliver(n)
            again = ch.deliver(n)  # e.g. the dispatcher crashed before recording the first success
    assert first.ok and again.ok
    assert [r.header("Idempotency-Key") for r in rx.requests] == [n.id, n.id]
    assert rx.requests[0].body == rx.requests[1].body
    assert dedup.processed == [n.id] and dedup.duplicates == 1


def test_timeout_is_retryable_and_the_retry_carries_the_same_key() -> None:
    dedup = DedupReceiver(verifies)

    def slow_then_fast(request: Recorded) -> Reply:
        reply = dedup(request)
        if len(dedup.processed) == 1 and dedup.duplicates == 0:
            time.sleep(0.6)  # processed, but the answer comes too late
        return reply

    with Receiver(slow_then_fast) as rx, closing(channel_for(rx.url("/hook"), timeout_s=0.2)) as ch:
        n = notification("webhook", rx.url("/hook"))
        late = ch.deliver(n)
        assert not late.ok and late.retryable and late.status == "timeout", late
        assert ch.deliver(n).ok
    assert dedup.processed == [n.id] and dedup.duplicates == 1


@pytest.mark.parametrize(
    ("reply", "retryable", "status", "retry_after"),
    [
        (Reply(500, {}, b"boom"), True, "server_error", None),
        (Reply(503, {"Retry-After": "30"}, b""), True, "server_error", 30.0),
        (Reply(429, {"Retry-After": "7"}, b"slow down"), True, "rate_limited", 7.0),
        (Reply(408), True, "timeout", None),
        (Reply(400, {}, b"bad request"), False, "rejected", None),
        (Reply(404), False, "rejected", None),
        (Reply(401), False, "auth_failed", None),
        (Reply(302, {"Location": "https://elsewhere.example/"}), False, "rejected", None),
    ],
)
def test_http_status_classification(reply: Reply, retryable: bool, status: str, retry_after: float | None) -> None:
    with Receiver(lambda request: reply) as rx, closing(channel_for(rx.url("/hook"))) as ch:
        result = ch.deliver(notification("webhook", rx.url("/hook")))
    assert not result.ok
    assert (result.retryable, result.status, result.retry_after_s) == (retryable, status, retry_after)
    assert result.error and str(reply.status) in result.error
    assert result.detail["http_status"] == reply.status


def test_unlisted_url_is_refused_without_default_secret(receiver: Receiver) -> None:
    with closing(channel_for(receiver.url("/hook"))) as ch:
        result = ch.deliver(notification("webhook", receiver.url("/other")))
    assert not result.ok and not result.retryable and result.status == "invalid_recipient"
    assert receiver.requests == []


def test_default_secret_signs_unlisted_urls(receiver: Receiver) -> None:
    config = WebhookConfig.model_validate({"default_secret": SECRET})
    with closing(WebhookChannel(config)) as ch:
        assert ch.deliver(notification("webhook", receiver.url("/any"))).ok
        bad = ch.deliver(notification("webhook", "ftp://example.com/x"))
    assert verifies(receiver.requests[0])
    assert not bad.ok and not bad.retryable and bad.status == "invalid_recipient"


def test_extra_headers_are_sent_but_cannot_replace_the_signature(receiver: Receiver) -> None:
    endpoint = {"url": receiver.url("/h"), "secret": SECRET, "headers": {"X-Token": "t1"}}
    with closing(WebhookChannel(WebhookConfig.model_validate({"endpoints": [endpoint]}))) as ch:
        assert ch.deliver(notification("webhook", receiver.url("/h"))).ok
    assert receiver.requests[0].header("X-Token") == "t1"
    with pytest.raises(ValueError, match="set by Maeul"):
        WebhookEndpoint.model_validate(
            {"url": "https://x.example/", "secret": SECRET, "headers": {"X-Maeul-Signature": "x"}}
        )
    with pytest.raises(ValueError, match="at least 16"):
        WebhookEndpoint.model_validate({"url": "https://x.example/", "secret": "short"})


def test_retry_after_http_date() -> None:
    now = time.time()
    assert parse_retry_after(formatdate(now + 120, usegmt=True), now=now) == pytest.approx(120, abs=1)
    assert parse_retry_after(formatdate(now - 120, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("999999999") == 24 * 3600.0

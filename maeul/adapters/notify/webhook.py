"""Webhooks: a JSON POST with an idempotency key, signed with HMAC-SHA256 under a per-endpoint secret.

The receiver checks ``X-Maeul-Signature: sha256=<hex>``, the HMAC-SHA256 under its secret of
``"<X-Maeul-Timestamp>.<raw body>"`` (see :func:`verify_signature`), rejects stale timestamps, and
de-duplicates by ``Idempotency-Key`` (the notification id, identical on every retry).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from pydantic import Field, SecretStr, field_validator

from maeul.adapters.notify import _http
from maeul.adapters.notify._config import ConfigModel, check_headers, check_http_url
from maeul.adapters.notify.message import INTERNAL_ERROR, INVALID_RECIPIENT, DeliveryResult, Notification

SIGNATURE_HEADER = "X-Maeul-Signature"
TIMESTAMP_HEADER = "X-Maeul-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TOLERANCE_S = 300
MIN_SECRET_CHARS = 16
_RESERVED = {h.lower() for h in (SIGNATURE_HEADER, TIMESTAMP_HEADER, IDEMPOTENCY_HEADER, "content-type")}


class WebhookEndpoint(ConfigModel):
    """A receiving URL and the secret it verifies signatures with."""

    url: str
    secret: SecretStr = Field(min_length=MIN_SECRET_CHARS)
    headers: dict[str, str] = Field(default_factory=dict, description="Extra headers, e.g. a receiver token.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        clash = sorted(h for h in value if h.lower() in _RESERVED)
        if clash:
            raise ValueError(f"header(s) {', '.join(clash)} are set by Maeul")
        return check_headers(value)


class WebhookConfig(ConfigModel):
    """Known endpoints; ``default_secret`` (if set) signs for URLs not listed, otherwise those are refused."""

    endpoints: list[WebhookEndpoint] = Field(default_factory=list)
    default_secret: SecretStr | None = Field(default=None, min_length=MIN_SECRET_CHARS)
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    connect_timeout_s: float = Field(default=5.0, gt=0, le=60)
    proxy: str | None = Field(default=None, description="http://host:port of an outbound proxy, if required.")

    @field_validator("endpoints")
    @classmethod
    def _unique(cls, value: list[WebhookEndpoint]) -> list[WebhookEndpoint]:
        urls = [e.url for e in value]
        duplicates = sorted({u for u in urls if urls.count(u) > 1})
        if duplicates:
            raise ValueError(f"endpoint(s) listed twice: {', '.join(duplicates)}")
        return value


def webhook_payload(n: Notification) -> dict[str, Any]:
    """The JSON document POSTed for ``n`` (identical on every retry)."""
    return {
        "id": n.id,
        "type": "notification",
        "created_at": n.created_at,
        "language": n.language,
        "subject": {"ko": n.subject_ko, "en": n.subject_en},
        "body": {"ko": n.body_ko, "en": n.body_en},
        "data": n.data,
    }


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str | bytes,
    timestamp: str | None,
    body: bytes,
    header: str | None,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    *,
    now: float | None = None,
) -> bool:
    """For receivers: True if ``header`` signs ``body`` at ``timestamp`` (unix seconds) under ``secret``
    and the timestamp is within ``tolerance_s`` of now. ``header`` may list several comma-separated
    ``sha256=`` values (secret rotation); each is compared in constant time."""
    if not timestamp or not header or not timestamp.strip().isdigit() or not timestamp.isascii():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).encode("ascii")
    matched = False
    for candidate in header.split(","):
        value = candidate.strip().lower()
        if value.startswith("sha256=") and value.isascii():
            matched |= hmac.compare_digest(value.encode("ascii"), expected)
    return matched


class WebhookChannel:
    """POSTs :func:`webhook_payload` as JSON to the notification's recipient URL."""

    name = "webhook"

    def __init__(
        self,
        config: WebhookConfig,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._endpoints = {e.url: e for e in config.endpoints}
        self._client = client or _http.make_client(config.timeout_s, config.connect_timeout_s, config.proxy)
        self._clock = clock

    def deliver(self, n: Notification) -> DeliveryResult:
        url = n.recipient.strip()
        endpoint = self._endpoints.get(url)
        if endpoint is not None:
            secret, extra = endpoint.secret.get_secret_value(), endpoint.headers
        elif self.config.default_secret is not None:
            try:
                url = check_http_url(url)
            except ValueError as exc:
                return DeliveryResult.permanent(INVALID_RECIPIENT, str(exc))
            secret, extra = self.config.default_secret.get_secret_value(), {}
        else:
            return DeliveryResult.permanent(INVALID_RECIPIENT, f"{url} is not a configured webhook endpoint")
        try:
            body = orjson.dumps(webhook_payload(n))
        except TypeError as exc:
            return DeliveryResult.permanent(INTERNAL_ERROR, f"notification data is not JSON-serialisable: {exc}")
        timestamp = str(int(self._clock()))
        headers = {
            **extra,
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: n.id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        }
        response = _http.send(self._client, "POST", url, content=body, headers=headers)
        if isinstance(response, DeliveryResult):
            return response
        return _http.classify(response)

    def close(self) -> None:
        self._client.close()

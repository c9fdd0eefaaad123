"""Shared HTTP plumbing of the webhook, Web Push and SMS channels: one client, one failure classification."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from maeul.adapters.notify.message import (
    AUTH_FAILED,
    CONNECTION_ERROR,
    INVALID_RECIPIENT,
    RATE_LIMITED,
    REJECTED,
    SERVER_ERROR,
    TIMEOUT,
    TRANSPORT_ERROR,
    DeliveryResult,
)

USER_AGENT = "maeul-notify/0.1"
MAX_RETRY_AFTER_S = 24 * 3600.0
_SNIPPET_CHARS = 300


def make_client(timeout_s: float, connect_timeout_s: float | None = None, proxy: str | None = None) -> httpx.Client:
    """An HTTP client with bounded connect/read/write/pool times that never follows redirects.

    Proxy environment variables are ignored: a proxy is used only when configured explicitly."""
    connect = min(timeout_s, connect_timeout_s if connect_timeout_s is not None else timeout_s)
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=connect),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
        proxy=proxy,
    )


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response | DeliveryResult:
    """The response, or the result of a request that got none (timeout, refused, invalid URL)."""
    started = time.monotonic()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.InvalidURL as exc:
        return DeliveryResult.permanent(INVALID_RECIPIENT, f"invalid URL: {exc}")
    except httpx.UnsupportedProtocol as exc:
        return DeliveryResult.permanent(INVALID_RECIPIENT, f"unsupported URL: {exc}")
    except httpx.TimeoutException as exc:
        return DeliveryResult.retry(TIMEOUT, f"{type(exc).__name__}: {exc or 'timed out'}", duration_ms=_ms(started))
    except httpx.ConnectError as exc:
        return DeliveryResult.retry(CONNECTION_ERROR, f"cannot connect: {exc}", duration_ms=_ms(started))
    except httpx.HTTPError as exc:
        return DeliveryResult.retry(TRANSPORT_ERROR, f"{type(exc).__name__}: {exc}", duration_ms=_ms(started))
    response.extensions["maeul_duration_ms"] = _ms(started)
    return response


def classify(response: httpx.Response) -> DeliveryResult:
    """2xx delivered; 408, 429 and 5xx retryable (with Retry-After); every other status permanent."""
    code = response.status_code
    detail = {"http_status": code, "duration_ms": response.extensions.get("maeul_duration_ms")}
    if 200 <= code < 300:
        return DeliveryResult.delivered(**detail)
    detail["response"] = snippet(response)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if code == 429:
        return DeliveryResult.retry(RATE_LIMITED, "HTTP 429 Too Many Requests", retry_after_s=retry_after, **detail)
    if code == 408:
        return DeliveryResult.retry(TIMEOUT, "HTTP 408 Request Timeout", retry_after_s=retry_after, **detail)
    if code >= 500:
        error = f"HTTP {code} {response.reason_phrase}".rstrip()
        return DeliveryResult.retry(SERVER_ERROR, error, retry_after_s=retry_after, **detail)
    if 300 <= code < 400:
        detail["location"] = response.headers.get("Location")
        return DeliveryResult.permanent(REJECTED, f"HTTP {code}: redirects are not followed; fix the URL", **detail)
    status = AUTH_FAILED if code in (401, 403) else REJECTED
    return DeliveryResult.permanent(status, f"HTTP {code} {response.reason_phrase}".rstrip(), **detail)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), capped at one day."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return min(max(delta, 0.0), MAX_RETRY_AFTER_S)


def snippet(response: httpx.Response) -> str:
    """The start of a response body, for the delivery log."""
    try:
        text = response.text
    except (UnicodeDecodeError, LookupError, httpx.ResponseNotRead):
        return ""
    return text[:_SNIPPET_CHARS]


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)

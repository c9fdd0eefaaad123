"""A notification to deliver (Korean and English texts) and the result of one delivery attempt."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ChannelName = Literal["email", "webhook", "webpush", "sms"]
Language = Literal["ko", "en", "both"]

CHANNELS: tuple[str, ...] = ("email", "webhook", "webpush", "sms")
LANGUAGES: tuple[str, ...] = ("ko", "en", "both")

# The id is sent as the Idempotency-Key header and becomes part of the e-mail Message-ID: visible ASCII only.
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")

# Statuses of a DeliveryResult (what the delivery log stores beside the error text).
DELIVERED = "delivered"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
TRANSPORT_ERROR = "transport_error"
SERVER_ERROR = "server_error"
RATE_LIMITED = "rate_limited"
REJECTED = "rejected"
INVALID_RECIPIENT = "invalid_recipient"
SUBSCRIPTION_GONE = "subscription_gone"
PAYLOAD_TOO_LARGE = "payload_too_large"
AUTH_FAILED = "auth_failed"
TLS_ERROR = "tls_error"
NOT_CONFIGURED = "not_configured"
INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True)
class Notification:
    """One message to one recipient over one channel; ``id`` is stable across retries (the idempotency key)."""

    id: str
    channel: ChannelName
    recipient: str
    subject_ko: str
    subject_en: str
    body_ko: str
    body_en: str
    language: Language = "ko"
    data: dict[str, Any] = field(default_factory=dict)
    created_at: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID_RE.fullmatch(self.id):
            raise ValueError(f"notification id {self.id!r}: 1-200 characters of A-Z a-z 0-9 . _ : - expected")
        if self.channel not in CHANNELS:
            raise ValueError(f"notification {self.id}: unknown channel {self.channel!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"notification {self.id}: language must be one of {', '.join(LANGUAGES)}")
        if not isinstance(self.recipient, str) or not self.recipient.strip():
            raise ValueError(f"notification {self.id}: empty recipient")
        if not (self.subject_ko or self.subject_en or self.body_ko or self.body_en):
            raise ValueError(f"notification {self.id}: no text in either language")
        if not isinstance(self.created_at, int) or self.created_at < 0:
            raise ValueError(f"notification {self.id}: created_at must be epoch milliseconds")

    @property
    def primary_language(self) -> Literal["ko", "en"]:
        """The language shown first: English only if the recipient asked for English."""
        return "en" if self.language == "en" else "ko"

    def subject(self, language: str) -> str:
        """The subject in ``language``, or in the other language when that one is empty."""
        first, second = (self.subject_en, self.subject_ko) if language == "en" else (self.subject_ko, self.subject_en)
        return first or second

    def body(self, language: str) -> str:
        """The body in ``language``, or in the other language when that one is empty."""
        first, second = (self.body_en, self.body_ko) if language == "en" else (self.body_ko, self.body_en)
        return first or second

    def texts(self) -> list[tuple[str, str, str]]:
        """``(language, subject, body)`` for each language that has text, the preferred language first."""
        ko = ("ko", self.subject_ko, self.body_ko)
        en = ("en", self.subject_en, self.body_en)
        ordered = [en, ko] if self.primary_language == "en" else [ko, en]
        return [t for t in ordered if t[1] or t[2]]

    def combined_subject(self) -> str:
        """The subject line: preferred language only, or ``한국어 / English`` when the preference is ``both``."""
        if self.language == "both" and self.subject_ko and self.subject_en and self.subject_ko != self.subject_en:
            return f"{self.subject_ko} / {self.subject_en}"
        return self.subject(self.primary_language)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict (for the outbox and for webhook payloads)."""
        return {
            "id": self.id,
            "channel": self.channel,
            "recipient": self.recipient,
            "subject_ko": self.subject_ko,
            "subject_en": self.subject_en,
            "body_ko": self.body_ko,
            "body_en": self.body_en,
            "language": self.language,
            "data": self.data,
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Notification:
        """The inverse of :meth:`to_dict`; unknown keys are an error."""
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown notification field(s): {', '.join(sorted(unknown))}")
        return cls(**dict(values))


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one attempt; when not ``ok``, ``retryable`` says whether trying again can help."""

    ok: bool
    retryable: bool
    status: str
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    retry_after_s: float | None = None

    @classmethod
    def delivered(cls, **detail: Any) -> DeliveryResult:
        return cls(ok=True, retryable=False, status=DELIVERED, detail=detail)

    @classmethod
    def retry(cls, status: str, error: str, *, retry_after_s: float | None = None, **detail: Any) -> DeliveryResult:
        """A transient failure: timeouts, refused connections, 5xx, 408, 429."""
        return cls(ok=False, retryable=True, status=status, error=error, detail=detail, retry_after_s=retry_after_s)

    @classmethod
    def permanent(cls, status: str, error: str, **detail: Any) -> DeliveryResult:
        """A failure that the same attempt would repeat: bad address, 4xx, push subscription gone."""
        return cls(ok=False, retryable=False, status=status, error=error, detail=detail)

"""Notification validation, language order, serialisation; DeliveryResult constructors."""

from __future__ import annotations

from typing import Any

import pytest
from notify_support import notification

from maeul.adapters.notify.message import DeliveryResult, Notification


def test_round_trip_through_dict() -> None:
    n = notification("email", "a@example.com")
    assert Notification.from_dict(n.to_dict()) == n


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"id": ""}, "notification id"),
        ({"id": "has space"}, "notification id"),
        ({"id": "한글"}, "notification id"),
        ({"channel": "fax"}, "unknown channel"),
        ({"language": "jp"}, "language"),
        ({"recipient": "  "}, "empty recipient"),
        ({"subject_ko": "", "subject_en": "", "body_ko": "", "body_en": ""}, "no text"),
        ({"created_at": -1}, "created_at"),
    ],
)
def test_invalid_notifications_are_refused(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        notification(**({"channel": "email", "recipient": "a@example.com"} | overrides))


def test_unknown_field_in_dict_is_refused() -> None:
    values = notification("sms", "010-1234-5678").to_dict() | {"colour": "red"}
    with pytest.raises(ValueError, match="colour"):
        Notification.from_dict(values)


def test_language_order_and_fallback() -> None:
    ko = notification("email", "a@example.com")
    en = notification("email", "a@example.com", language="en")
    both = notification("email", "a@example.com", language="both")
    assert [t[0] for t in ko.texts()] == ["ko", "en"]
    assert [t[0] for t in en.texts()] == ["en", "ko"]
    assert ko.combined_subject() == ko.subject_ko
    assert en.combined_subject() == en.subject_en
    assert both.combined_subject() == f"{both.subject_ko} / {both.subject_en}"
    only_ko = notification("email", "a@example.com", language="en", subject_en="", body_en="")
    assert only_ko.subject("en") == only_ko.subject_ko
    assert [t[0] for t in only_ko.texts()] == ["ko"]


def test_delivery_result_constructors() -> None:
    ok = DeliveryResult.delivered(http_status=200)
    assert ok.ok and not ok.retryable and ok.status == "delivered" and ok.detail == {"http_status": 200}
    retry = DeliveryResult.retry("rate_limited", "HTTP 429", retry_after_s=5.0)
    assert not retry.ok and retry.retryable and retry.retry_after_s == 5.0
    permanent = DeliveryResult.permanent("rejected", "HTTP 400")
    assert not permanent.ok and not permanent.retryable and permanent.error == "HTTP 400"

"""SMS over a configurable HTTP gateway: templates, phone numbers, the SMS/LMS byte rule, gateway answers."""

from __future__ import annotations

from contextlib import closing
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from notify_support import Receiver, Reply, notification

from maeul.adapters.notify._config import NotifyConfigError, parse_config
from maeul.adapters.notify.sms import (
    LMS_MAX_BYTES,
    SMS_MAX_BYTES,
    SmsChannel,
    SmsConfig,
    compose,
    normalize_phone,
    render_template,
    sms_bytes,
    truncate,
)

SHORT_KO = {"subject_ko": "[마을] 수위 경보", "body_ko": "왕숙천 3.2m 초과"}


def gateway(url: str, **overrides: Any) -> SmsChannel:
    values: dict[str, Any] = {
        "url": url,
        "auth_header": "Bearer gw-token",
        "body_template": {
            "message": {"to": "{to}", "text": "{text}", "type": "{kind}"},
            "ref": "{id}",
            "from": "0315551234",
        },
    }
    values.update(overrides)
    return SmsChannel(parse_config(SmsConfig, values, "notify.sms"))


def test_json_template_renders_and_is_sent() -> None:
    n = notification("sms", "010-1234-5678", **SHORT_KO)
    with Receiver() as rx, closing(gateway(rx.url("/v1/send"))) as ch:
        result = ch.deliver(n)
    assert result.ok and result.detail["kind"] == "SMS", result
    (request,) = rx.requests
    assert request.header("Authorization") == "Bearer gw-token"
    assert request.header("Content-Type") == "application/json"
    assert request.header("Idempotency-Key") == n.id
    assert request.json() == {
        "message": {"to": "01012345678", "text": "[마을] 수위 경보\n왕숙천 3.2m 초과", "type": "SMS"},
        "ref": n.id,
        "from": "0315551234",
    }


def test_form_template_and_custom_auth_header() -> None:
    n = notification("sms", "+82 10 1234 5678", **SHORT_KO)
    with Receiver() as rx:
        ch = gateway(
            rx.url("/send"),
            body_format="form",
            body_template={"receiver": "{to}", "msg": "{text}", "msg_type": "{kind}", "title": "{subject}"},
            auth_header="key-123",
            auth_header_name="X-Api-Key",
            phone_format="e164",
        )
        with closing(ch):
            assert ch.deliver(n).ok
    (request,) = rx.requests
    assert request.header("X-Api-Key") == "key-123" and request.header("Authorization") is None
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    form = parse_qs(request.body.decode())
    assert form == {
        "receiver": ["+821012345678"],
        "msg": ["[마을] 수위 경보\n왕숙천 3.2m 초과"],
        "msg_type": ["SMS"],
        "title": ["[마을] 수위 경보"],
    }


def test_get_gateway_with_placeholders_in_the_url() -> None:
    n = notification("sms", "01012345678", **SHORT_KO)
    with (
        Receiver() as rx,
        closing(gateway(rx.url("/send?to={to}&msg={text}&ref={id}"), method="GET", body_template={})) as ch,
    ):
        assert ch.deliver(n).ok
    query = parse_qs(urlsplit(rx.requests[0].path).query)
    assert query == {"to": ["01012345678"], "msg": ["[마을] 수위 경보\n왕숙천 3.2m 초과"], "ref": [n.id]}


def test_template_values_cannot_inject_json() -> None:
    rendered = render_template({"text": "{text}", "n": 3}, {"text": '"}, "admin": true, "x": {"'})
    assert rendered == {"text": '"}, "admin": true, "x": {"', "n": 3}


def test_byte_counting_and_truncation() -> None:
    assert sms_bytes("abc") == 3 and sms_bytes("가나다") == 6 and sms_bytes("수위 3m") == 7
    cut = truncate("가" * 100, SMS_MAX_BYTES)
    assert sms_bytes(cut) <= SMS_MAX_BYTES and cut == "가" * 44 + "…"
    words = truncate("water level alarm at the river gauge " * 5, 40)
    assert sms_bytes(words) <= 40 and words.endswith("…") and not words[:-1].endswith(" ")
    assert words[:-1] == "water level alarm at the river gauge"
    assert truncate("짧은 문자", SMS_MAX_BYTES) == "짧은 문자"


def test_korean_sms_lms_rule() -> None:
    short = notification("sms", "010", **SHORT_KO)
    assert compose(short)[0] == "SMS"
    exactly_90 = notification("sms", "010", subject_ko="", body_ko="가" * 45)
    assert compose(exactly_90) == ("SMS", "가" * 19 + "…", "가" * 45)
    just_over = notification("sms", "010", subject_ko="", body_ko="가" * 45 + "a")
    kind, _, text = compose(just_over)
    assert (kind, text) == ("LMS", "가" * 45 + "a")  # 91 bytes
    long = notification("sms", "010", body_ko="경보 " * 1000)
    kind, subject, text = compose(long)
    assert kind == "LMS" and sms_bytes(text) <= LMS_MAX_BYTES and text.endswith("…")
    assert text.startswith(long.subject_ko + "\n") and subject == long.subject_ko
    kind, _, text = compose(long, allow_lms=False)
    assert kind == "SMS" and sms_bytes(text) <= SMS_MAX_BYTES and text.endswith("…")


def test_language_choice_korean_first_english_fallback() -> None:
    assert compose(notification("sms", "010", **SHORT_KO, language="both"))[2].startswith("[마을]")
    english = notification("sms", "010", language="en", subject_en="[Maeul] Alarm", body_en="River 3.2 m")
    assert compose(english)[2] == "[Maeul] Alarm\nRiver 3.2 m"
    no_korean = notification("sms", "010", subject_ko="", body_ko="", subject_en="[Maeul] Alarm", body_en="River")
    assert compose(no_korean)[2] == "[Maeul] Alarm\nRiver"
    no_english = notification("sms", "010", language="en", subject_en="", body_en="", **SHORT_KO)
    assert compose(no_english)[2].startswith("[마을]")
    repeated = notification("sms", "010", subject_ko="경보", body_ko="경보: 수위 3.2m")
    assert compose(repeated)[2] == "경보: 수위 3.2m"


@pytest.mark.parametrize(
    ("raw", "style", "expected"),
    [
        ("010-1234-5678", "national", "01012345678"),
        ("+82 10-1234-5678", "national", "01012345678"),
        ("(031) 555-1234", "national", "0315551234"),
        ("010-1234-5678", "e164", "+821012345678"),
        ("+82 10 1234 5678", "e164", "+821012345678"),
        ("0082 10 1234 5678", "e164", "+821012345678"),
    ],
)
def test_phone_numbers(raw: str, style: Any, expected: str) -> None:
    assert normalize_phone(raw, style, "82") == expected


def test_invalid_number_is_permanent() -> None:
    with closing(gateway("http://127.0.0.1:9/send")) as ch:
        result = ch.deliver(notification("sms", "call me maybe"))
    assert not result.ok and not result.retryable and result.status == "invalid_recipient"


def test_gateway_errors() -> None:
    replies = iter([Reply(500, {}, b"down"), Reply(429, {"Retry-After": "3"}), Reply(400, {}, b"bad number")])
    with Receiver(lambda request: next(replies)) as rx, closing(gateway(rx.url("/send"))) as ch:
        results = [ch.deliver(notification("sms", "01012345678")) for _ in range(3)]
    assert [(r.retryable, r.status, r.retry_after_s) for r in results] == [
        (True, "server_error", None),
        (True, "rate_limited", 3.0),
        (False, "rejected", None),
    ]


def test_success_field_catches_http_200_errors() -> None:
    answers = iter([b'{"result": {"code": "0"}}', b'{"result": {"code": "-101", "message": "no balance"}}'])
    replies = Receiver(lambda request: Reply(200, {"Content-Type": "application/json"}, next(answers)))
    with replies as rx, closing(gateway(rx.url("/send"), success_field="result.code", success_values=["0"])) as ch:
        ok = ch.deliver(notification("sms", "01012345678"))
        refused = ch.deliver(notification("sms", "01012345678"))
    assert ok.ok
    assert not refused.ok and not refused.retryable and refused.status == "rejected"
    assert "-101" in (refused.error or "") and "no balance" in refused.detail["response"]


def test_config_errors_are_clear() -> None:
    base = {"url": "https://gw.example/send", "body_template": {"to": "{to}", "text": "{text}"}}
    with pytest.raises(NotifyConfigError, match=r"unknown placeholder\(s\) phone"):
        parse_config(SmsConfig, base | {"body_template": {"to": "{phone}"}}, "notify.sms")
    with pytest.raises(NotifyConfigError, match=r"notify\.sms\.url: .*not an absolute"):
        parse_config(SmsConfig, base | {"url": "gw.example/send"}, "notify.sms")
    with pytest.raises(NotifyConfigError, match="body_template is required"):
        parse_config(SmsConfig, {"url": "https://gw.example/send"}, "notify.sms")
    with pytest.raises(NotifyConfigError, match="plain values"):
        parse_config(SmsConfig, base | {"body_format": "form", "body_template": {"a": {"b": "{to}"}}}, "notify.sms")
    with pytest.raises(NotifyConfigError, match=r"header X-Text: unknown placeholder\(s\) text"):
        parse_config(SmsConfig, base | {"headers": {"X-Text": "{text}"}}, "notify.sms")
    with pytest.raises(NotifyConfigError, match="go together"):
        parse_config(SmsConfig, base | {"success_field": "code"}, "notify.sms")
    with pytest.raises(NotifyConfigError, match=r"notify\.sms\.method"):
        parse_config(SmsConfig, base | {"method": "DELETE"}, "notify.sms")

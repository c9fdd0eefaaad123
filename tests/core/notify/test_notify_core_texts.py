"""Message texts in Korean and English, and masking of channel secrets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from maeul.core.alarms import Severity
from maeul.core.notify.model import Kind
from maeul.core.notify.redact import MASK, masked_left, redact, restore
from maeul.core.notify.render import AlarmView, DigestItem, Event, render, render_digest

START = int(datetime(2026, 11, 20, 14, 5, tzinfo=ZoneInfo("Asia/Seoul")).timestamp() * 1000)
ALARM = AlarmView(42, "water_level", Severity.CRITICAL, "device", "wangsuk-3", START, "남양주시", {"level_m": 3.2})


@pytest.mark.parametrize(
    ("event", "ko", "en"),
    [
        (Event(Kind.RAISED, START), "긴급 경보 발생", "Critical alarm raised"),
        (Event(Kind.ESCALATED, START + 15 * 60_000, step=1), "미확인 긴급 경보 (2단계, 15분 경과)",
         "Unacknowledged critical alarm (step 2, 15 min)"),
        (Event(Kind.UPGRADED, START, previous_severity=Severity.MAJOR), "경보 격상 (중요 → 긴급)",
         "Alarm upgraded (Major → Critical)"),
        (Event(Kind.UPGRADED, START), "경보 격상 (긴급)", "Alarm upgraded (Critical)"),
        (Event(Kind.CLEARED, START + 60_000), "경보 해제 (긴급)", "Alarm cleared (critical)"),
        (Event(Kind.ASSIGNED, START), "경보 담당 배정 (긴급)", "Alarm assigned to you (critical)"),
    ],
)  # fmt: skip
def test_alarm_texts_in_both_languages(event: Event, ko: str, en: str) -> None:
    texts = render(ALARM, event, "Asia/Seoul")
    assert texts.subject_ko == f"[마을] {ko}: water_level (장치 wangsuk-3)"
    assert texts.subject_en == f"[Maeul] {en}: water_level (device wangsuk-3)"
    assert "2026-11-20 14:05 KST" in texts.body_ko and "2026-11-20 14:05 KST" in texts.body_en
    assert "level_m=3.2" in texts.body_ko and "남양주시, 경보 #42" in texts.body_ko
    assert ("인수(확인)" in texts.body_ko) == (event.kind is not Kind.CLEARED)
    assert ("해제: 2026-11-20 14:06 KST" in texts.body_ko) == (event.kind is Kind.CLEARED)


def test_times_follow_the_tenant_time_zone() -> None:
    assert "2026-11-20 05:05 UTC" in render(ALARM, Event(Kind.RAISED, START), "UTC").body_en


def test_digest_lists_every_folded_message_oldest_first() -> None:
    items = [DigestItem(START + i * 60_000, f"경보 {i}", f"alarm {i}") for i in reversed(range(45))]
    texts = render_digest(items, START, START + 600_000, "Asia/Seoul")
    assert texts.subject_ko == "[마을] 경보 요약: 45건" and texts.subject_en == "[Maeul] Alarm digest: 45 notifications"
    lines = texts.body_ko.splitlines()
    assert lines[2] == "- 14:05 경보 0" and lines[3] == "- 14:06 경보 1"
    assert lines[-1] == "… 외 5건" and texts.body_en.splitlines()[-1] == "… and 5 more"
    assert "45" in lines[0] and "2026-11-20 14:05 KST – 14:15 KST" in lines[0]


CONFIG = {
    "email": {"host": "smtp.city.kr", "username": "alarm", "password": "pw-1", "proxy": None},
    "webhook": {
        "endpoints": [
            {"url": "https://a.kr/h", "secret": "secret-a-0123456789", "headers": {"X-Token": "t"}},
            {"url": "https://b.kr/h", "secret": "secret-b-0123456789"},
        ],
        "default_secret": "default-0123456789",
        "proxy": "http://user:hunter2@proxy.kr:3128",
    },
    "sms": {"url": "https://sms.kr", "auth_header": "Bearer abc", "body_template": {"to": "{to}"}},
}


def test_redact_masks_every_secret_and_restore_brings_them_back() -> None:
    shown = redact(CONFIG)
    assert shown["email"] == {"host": "smtp.city.kr", "username": "alarm", "password": MASK, "proxy": None}
    first, second = shown["webhook"]["endpoints"]
    assert first == {"url": "https://a.kr/h", "secret": MASK, "headers": {"X-Token": MASK}}
    assert second["secret"] == MASK and shown["webhook"]["default_secret"] == MASK
    assert shown["webhook"]["proxy"] == f"http://{MASK}@proxy.kr:3128"
    assert shown["sms"]["auth_header"] == MASK and shown["sms"]["body_template"] == {"to": "{to}"}
    for secret in ("pw-1", "secret-a", "secret-b", "default-01", "hunter2", "Bearer abc"):
        assert secret not in str(shown)
    # Sent back with the endpoints reordered and one secret changed: masks are restored by place (list items by url).
    sent = redact(CONFIG)["webhook"]
    sent["endpoints"] = [dict(second, secret="new-secret-0123456789"), first]
    restored = restore(sent, CONFIG["webhook"])
    assert restored["endpoints"][0]["secret"] == "new-secret-0123456789"
    assert restored["endpoints"][1] == CONFIG["webhook"]["endpoints"][0]
    assert restored["proxy"] == CONFIG["webhook"]["proxy"] and masked_left(restored) == []


def test_a_mask_with_nothing_stored_is_reported() -> None:
    sent = {"endpoints": [{"url": "https://new.kr/h", "secret": MASK}]}
    assert masked_left(restore(sent, CONFIG["webhook"])) == ["endpoints.0.secret"]
    assert masked_left(restore({"password": MASK}, None)) == ["password"]

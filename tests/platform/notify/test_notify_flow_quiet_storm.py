"""Quiet hours delay a minor alarm's message until they end (a critical one goes at once); a storm of alarms
becomes at most the rate limit of messages plus one digest."""

from __future__ import annotations

import pytest
from notify_flow_support import TENANT, Clock, World, kst, outbox, policy, raise_, recipients
from notify_support import SmtpServer
from sqlalchemy import Engine

from maeul.adapters.sql import alarms
from maeul.core.alarms import Severity
from maeul.platform.notify import NotifyService


@pytest.fixture
def night(clock: Clock) -> Clock:
    clock.now = kst("2026-11-20 23:30")
    return clock


def test_quiet_hours_delay_a_minor_alarm_but_not_a_critical_one(
    engine: Engine, service: NotifyService, night: Clock, world: World, smtp: SmtpServer
) -> None:
    policy(engine, [{"delay_s": 0, "contacts": [world.daughter]}])
    raise_(engine, service, Severity.MINOR, originator=1)
    raise_(engine, service, Severity.CRITICAL, originator=2)
    service.run_once()
    assert recipients(smtp) == ["daughter@family.kr"], "the critical one goes at once"
    assert "긴급" in smtp.received[0].message()["Subject"]
    minor = next(r for r in outbox(engine) if r["severity"] == "minor")
    assert minor["status"] == "pending" and minor["deferred"] == "quiet_hours"
    assert minor["next_attempt_at"] == kst("2026-11-21 07:00") and minor["attempts"] == 0
    night.now = kst("2026-11-21 06:59")
    service.run_once()
    assert len(smtp.received) == 1, "still quiet"
    night.now = kst("2026-11-21 07:00")
    service.run_once()
    assert len(smtp.received) == 2 and "경미" in smtp.received[1].message()["Subject"]
    body = smtp.received[1].message().get_body(("plain",)).get_content()
    assert "Minor alarm raised" in body and "경미 경보 발생" in body, "language 'both': Korean and English"


def test_a_minor_alarm_acknowledged_during_quiet_hours_is_not_sent_in_the_morning(
    engine: Engine, service: NotifyService, night: Clock, world: World, smtp: SmtpServer
) -> None:
    policy(engine, [{"delay_s": 0, "contacts": [world.daughter], "users": [world.kim]}])
    alarm = raise_(engine, service, Severity.MINOR)
    service.run_once()
    assert recipients(smtp) == ["kim@city.kr"], "staff without quiet hours hear at once"
    night.advance(3600)
    with engine.begin() as conn:
        alarms.acknowledge(conn, TENANT, alarm["id"], world.kim, listeners=[service.listener])
    night.now = kst("2026-11-21 08:00")
    service.run_once()
    assert recipients(smtp) == ["kim@city.kr"]
    daughter = next(r for r in outbox(engine) if r["recipient"] == f"c{world.daughter}")
    assert daughter["status"] == "suppressed" and "acknowledged" in daughter["last_error"]


def test_a_storm_of_alarms_becomes_five_messages_and_a_digest(
    engine: Engine, service: NotifyService, clock: Clock, world: World, smtp: SmtpServer
) -> None:
    policy(engine, [{"delay_s": 0, "users": [world.kim]}])
    start = clock()
    for originator in range(1, 101):
        raise_(engine, service, Severity.MAJOR, originator=originator, alarm_type="door_open")
        clock.advance(3)
        if originator % 10 == 0:
            service.run_once()
    assert len(smtp.received) == 5, "the rate limit: 5 messages per 10 minutes"
    clock.now = start + 10 * 60_000
    service.run_once()
    assert len(smtp.received) == 6
    digest = smtp.received[5].message()
    assert "95" in str(digest["Subject"])
    text = digest.get_body(("plain",)).get_content()
    assert text.count("door_open") == 2 * 40 and "외 55건" in text and "and 55 more" in text
    rows = outbox(engine)
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    assert by_status == {"delivered": 6, "digested": 95}
    [digest_row] = [r for r in rows if r["kind"] == "digest"]
    assert {r["digest_id"] for r in rows if r["status"] == "digested"} == {digest_row["id"]}
    assert digest_row["notification"]["data"]["count"] == 95
    assert len(digest_row["notification"]["data"]["alarm_ids"]) == 95
    clock.advance(60)
    raise_(engine, service, Severity.MAJOR, originator=500)
    service.run_once()
    assert len(smtp.received) == 7, "a new window: messages go one by one again"


def test_critical_alarms_are_never_folded(
    engine: Engine, service: NotifyService, clock: Clock, world: World, smtp: SmtpServer
) -> None:
    policy(engine, [{"delay_s": 0, "users": [world.kim]}])
    for originator in range(1, 9):
        raise_(engine, service, Severity.CRITICAL, originator=originator)
        clock.advance(1)
    raise_(engine, service, Severity.MINOR, originator=99)
    service.run_once()
    assert len(smtp.received) == 8
    [folded] = [r for r in outbox(engine) if r["status"] == "digested"]
    assert folded["severity"] == "minor" and folded["deferred"] == "storm"

"""Escalation: the caseworker now, the supervisor after 15 minutes, the 119 webhook after 30; acknowledging stops it."""

from __future__ import annotations

from typing import Any

import pytest
from notify_flow_support import TENANT, Clock, World, escalation, outbox, policy, raise_, recipients
from notify_support import DedupReceiver, SmtpServer
from sqlalchemy import Engine

from maeul.adapters.sql import alarms
from maeul.core.alarms import Severity
from maeul.platform.notify import NotifyService


@pytest.fixture
def care_policy(engine: Engine, world: World) -> dict[str, Any]:
    return policy(
        engine,
        [
            {"delay_s": 0, "assignee": True},
            {"delay_s": 900, "users": [world.lee]},
            {"delay_s": 1800, "contacts": [world.hook_contact]},
        ],
    )


def run_until(service: NotifyService, clock: Clock, minutes: int, step_s: int = 60) -> None:
    """Let ``minutes`` pass, running the scheduler and dispatcher every ``step_s`` seconds."""
    for _ in range(minutes * 60 // step_s):
        clock.advance(step_s)
        service.run_once()


def test_an_unacknowledged_alarm_escalates_step_by_step(
    engine: Engine,
    service: NotifyService,
    clock: Clock,
    world: World,
    care_policy: dict[str, Any],
    smtp: SmtpServer,
    dedup: DedupReceiver,
) -> None:
    alarm = raise_(engine, service, Severity.MAJOR, assignee=world.kim)
    service.run_once()
    assert recipients(smtp) == ["kim@city.kr"], "the assigned caseworker is told at once"
    assert outbox(engine)[0]["kind"] == "assigned"
    run_until(service, clock, 14)
    assert recipients(smtp) == ["kim@city.kr"], "nothing more before 15 minutes"
    run_until(service, clock, 1)
    assert recipients(smtp) == ["kim@city.kr", "lee@city.kr"], "the supervisor after 15 minutes"
    [escalated] = outbox(engine, kind="escalated")
    assert escalated["notification"]["subject_ko"] == "[마을] 미확인 중요 경보 (2단계, 15분 경과): no_motion (가구 #1)"
    assert smtp.received[1].message()["X-Maeul-Notification-Id"] == escalated["id"]
    assert dedup.processed == []
    run_until(service, clock, 15)
    assert len(dedup.processed) == 1, "the emergency webhook after 30 minutes"
    assert dedup.processed[0] == f"{TENANT}.a{alarm['id']}.s2.c{world.hook_contact}.webhook"
    run_until(service, clock, 60)
    assert len(smtp.received) == 2 and len(dedup.processed) == 1 and dedup.duplicates == 0
    state = escalation(engine, alarm["id"])
    assert state is not None and state["next_step"] == 3 and state["due_at"] is None
    with engine.connect() as conn:
        history = alarms.history(conn, TENANT, alarm["id"])
    assert [e["details"]["step"] for e in history if e["action"] == "escalated"] == [1, 2]


def test_acknowledging_stops_the_escalation(
    engine: Engine,
    service: NotifyService,
    clock: Clock,
    world: World,
    care_policy: dict[str, Any],
    smtp: SmtpServer,
    dedup: DedupReceiver,
) -> None:
    alarm = raise_(engine, service, Severity.CRITICAL, assignee=world.kim)
    run_until(service, clock, 10)
    with engine.begin() as conn:
        alarms.acknowledge(conn, TENANT, alarm["id"], world.kim, text="방문 중", listeners=[service.listener])
    run_until(service, clock, 60)
    assert recipients(smtp) == ["kim@city.kr"] and dedup.processed == []
    state = escalation(engine, alarm["id"])
    assert state is not None and state["stopped"] and state["stop_reason"] == "acknowledged"


def test_acknowledged_while_the_scheduler_was_away_still_stops(
    engine: Engine, service: NotifyService, clock: Clock, world: World, care_policy: dict[str, Any], smtp: SmtpServer
) -> None:
    """The scheduler runs late (step 1 is overdue) but the alarm was acknowledged in time: nothing is sent."""
    alarm = raise_(engine, service, Severity.CRITICAL, assignee=world.kim)
    clock.advance(10 * 60)
    with engine.begin() as conn:
        alarms.acknowledge(conn, TENANT, alarm["id"], world.kim)
    clock.advance(40 * 60)  # the listener was not passed: the scheduler notices the acknowledgement itself
    service.run_once()
    assert recipients(smtp) == ["kim@city.kr"]
    state = escalation(engine, alarm["id"])
    assert state is not None and state["stopped"] and state["stop_reason"] == "acknowledged"


def test_clearing_tells_those_already_notified_and_stops(
    engine: Engine,
    service: NotifyService,
    clock: Clock,
    world: World,
    care_policy: dict[str, Any],
    smtp: SmtpServer,
    dedup: DedupReceiver,
) -> None:
    alarm = raise_(engine, service, Severity.MAJOR, assignee=world.kim)
    run_until(service, clock, 16)
    with engine.begin() as conn:
        alarms.clear_alarm(conn, TENANT, alarm["id"], None, listeners=[service.listener])
    run_until(service, clock, 60)
    told = recipients(smtp)
    assert told[:2] == ["kim@city.kr", "lee@city.kr"] and sorted(told[2:]) == ["kim@city.kr", "lee@city.kr"]
    assert {m.message()["Subject"].split(":")[0] for m in smtp.received[2:]} == {"[마을] 경보 해제 (중요)"}
    assert dedup.processed == [], "the webhook was never told, so it is not told of the clearing either"
    state = escalation(engine, alarm["id"])
    assert state is not None and state["stop_reason"] == "cleared"


def test_an_upgrade_is_told_to_those_notified(
    engine: Engine, service: NotifyService, clock: Clock, world: World, care_policy: dict[str, Any], smtp: SmtpServer
) -> None:
    raise_(engine, service, Severity.MINOR, assignee=world.kim)
    service.run_once()
    clock.advance(60)
    raise_(engine, service, Severity.MINOR)  # a repeat: nothing new
    raise_(engine, service, Severity.CRITICAL)  # an upgrade
    service.run_once()
    subjects = [m.message()["Subject"] for m in smtp.received]
    assert len(subjects) == 2 and subjects[1].startswith("[마을] 경보 격상 (긴급)")


def test_a_policy_for_higher_severities_starts_on_upgrade(
    engine: Engine, service: NotifyService, clock: Clock, world: World, smtp: SmtpServer
) -> None:
    policy(engine, [{"delay_s": 0, "users": [world.lee]}], min_severity="critical")
    raise_(engine, service, Severity.MAJOR)
    service.run_once()
    assert smtp.received == []
    raise_(engine, service, Severity.CRITICAL)
    service.run_once()
    assert recipients(smtp) == ["lee@city.kr"]
    assert smtp.received[0].message()["Subject"].startswith("[마을] 경보 격상 (긴급)")


def test_deleting_the_policy_stops_running_escalations(
    engine: Engine, service: NotifyService, clock: Clock, world: World, care_policy: dict[str, Any], smtp: SmtpServer
) -> None:
    from maeul.adapters.sql import notifications as repo

    alarm = raise_(engine, service, Severity.MAJOR, assignee=world.kim)
    with engine.begin() as conn:
        repo.delete_policy(conn, TENANT, care_policy["id"])
    run_until(service, clock, 40, step_s=300)
    assert recipients(smtp) == ["kim@city.kr"]
    state = escalation(engine, alarm["id"])
    assert state is not None and state["stop_reason"] == "policy_removed"

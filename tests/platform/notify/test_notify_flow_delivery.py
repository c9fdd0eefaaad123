"""An alarm becomes e-mails and signed webhooks, delivered once, with a delivery log; the outbox is transactional."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from notify_flow_support import (
    TENANT,
    Clock,
    World,
    attempts,
    build_world,
    contact,
    count_rows,
    escalation,
    outbox,
    policy,
    raise_,
    recipients,
)
from notify_support import DedupReceiver, Receiver, SmtpHandler, SmtpServer
from sqlalchemy import Engine, select

from maeul.adapters.sql import alarms
from maeul.adapters.sql import notifications as repo
from maeul.adapters.sql import notify_outbox as outbox_store
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.core.alarms import Occurrence, Severity
from maeul.platform.app import Platform
from maeul.platform.notify import NotifyService


def test_a_raised_alarm_is_delivered_once_by_email_and_webhook(
    engine: Engine, service: NotifyService, world: World, smtp: SmtpServer, hook: Receiver, dedup: DedupReceiver
) -> None:
    policy(engine, [{"delay_s": 0, "users": [world.kim], "contacts": [world.hook_contact]}])
    alarm = raise_(engine, service, Severity.CRITICAL)
    rows = outbox(engine)
    assert [(r["recipient"], r["channel"], r["status"]) for r in rows] == [
        (f"c{world.hook_contact}", "webhook", "pending"),
        (f"u{world.kim}", "email", "pending"),
    ]
    assert service.run_once() == (0, 2)
    assert service.run_once() == (0, 0), "nothing is sent twice"
    rows = {r["channel"]: r for r in outbox(engine)}
    assert {r["status"] for r in rows.values()} == {"delivered"}
    assert recipients(smtp) == ["kim@city.kr"]
    message = smtp.received[0].message()
    assert message["Subject"] == "[마을] 긴급 경보 발생: no_motion (가구 #1)"
    assert message["X-Maeul-Notification-Id"] == rows["email"]["id"] == f"{TENANT}.a{alarm['id']}.s0.u{world.kim}.email"
    assert "Critical alarm raised" in message.get_body(("plain",)).get_content()
    assert dedup.processed == [rows["webhook"]["id"]] and dedup.duplicates == 0
    payload = hook.requests[0].json()
    assert payload["id"] == rows["webhook"]["id"] and payload["data"]["alarm_id"] == alarm["id"]
    assert payload["subject"]["ko"].startswith("[마을] 긴급 경보 발생")
    assert [a["status"] for a in attempts(engine, rows["email"]["id"])] == ["delivered"]
    with engine.connect() as conn:
        actions = [e["action"] for e in alarms.history(conn, TENANT, alarm["id"])]
    assert actions == ["raised", "notified", "notified"]
    state = escalation(engine, alarm["id"])
    assert state is not None and state["next_step"] == 1 and state["due_at"] is None and not state["stopped"]


def test_a_rolled_back_alarm_leaves_no_outbox_row(engine: Engine, service: NotifyService, world: World) -> None:
    policy(engine, [{"delay_s": 0, "users": [world.kim]}, {"delay_s": 900, "users": [world.lee]}])
    occurrence = Occurrence(TENANT, "household", 1, "fall", Severity.CRITICAL, service.clock(), {})
    with pytest.raises(RuntimeError), engine.begin() as conn:
        alarms.raise_alarm(conn, occurrence, listeners=[service.listener])
        assert len(conn.execute(select(notify_outbox.c.id)).all()) == 1, "written in the alarm's own transaction"
        raise RuntimeError("the alarm transaction fails after the listener ran")
    assert count_rows(engine) == 0
    with engine.connect() as conn:
        assert alarms.list_alarms(conn, TENANT) == []
    service.clock.advance(3600)  # type: ignore[attr-defined]
    assert service.run_once() == (0, 0), "no escalation survives the rollback either"


def test_without_a_matching_policy_nothing_is_queued(engine: Engine, service: NotifyService, world: World) -> None:
    policy(engine, [{"delay_s": 0, "users": [world.kim]}], alarm_type="fall", min_severity="major")
    raise_(engine, service, Severity.MINOR, alarm_type="fall")
    raise_(engine, service, Severity.CRITICAL, alarm_type="cold", originator=2)
    assert count_rows(engine) == 0


def test_a_refused_address_falls_back_to_the_next_preferred_channel(
    engine: Engine, service: NotifyService, tmp_path: Path, hook: Receiver, dedup: DedupReceiver
) -> None:
    handler = SmtpHandler(refuse={"bad@family.kr": "550 5.1.1 no such user"})
    with SmtpServer(handler) as smtp:
        build_world(engine, smtp.port, hook.url("/119"))
        with engine.begin() as conn:
            addresses = {"email": "bad@family.kr", "webhook": hook.url("/119")}
            son = contact(conn, name="아들", addresses=addresses, channels=["email", "webhook"])
        policy(engine, [{"delay_s": 0, "contacts": [son["id"]]}])
        raise_(engine, service, Severity.MAJOR)
        service.run_once()
    rows = {r["channel"]: r for r in outbox(engine)}
    assert rows["email"]["status"] == "failed" and rows["email"]["last_status"] == "invalid_recipient"
    assert "550" in rows["email"]["last_error"]
    assert rows["webhook"]["status"] == "delivered" and rows["webhook"]["id"].endswith(".webhook")
    assert dedup.processed == [rows["webhook"]["id"]]


def test_a_recipient_without_a_usable_channel_is_logged_as_failed(
    engine: Engine, service: NotifyService, world: World
) -> None:
    with engine.begin() as conn:
        repo.delete_channel(conn, TENANT, "email")
    policy(engine, [{"delay_s": 0, "users": [world.kim]}])
    raise_(engine, service, Severity.MAJOR)
    [row] = outbox(engine)
    assert row["status"] == "failed" and row["channel"] == "none" and "no configured channel" in row["last_error"]


def test_several_dispatchers_deliver_each_notification_once(
    engine: Engine, service: NotifyService, world: World, dedup: DedupReceiver, smtp: SmtpServer
) -> None:
    policy(engine, [{"delay_s": 0, "users": [world.kim], "contacts": [world.hook_contact]}])
    for originator in range(1, 6):
        raise_(engine, service, Severity.CRITICAL, originator=originator)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while service.dispatcher.run_once():
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, name=f"test-dispatch-{i}") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(dedup.processed) == 5 and dedup.duplicates == 0
    assert sorted(recipients(smtp)) == ["kim@city.kr"] * 5
    rows = outbox(engine)
    assert len(rows) == 10 and {r["status"] for r in rows} == {"delivered"} and {r["attempts"] for r in rows} == {1}


def test_the_running_platform_delivers_in_the_background(
    platform: Platform, smtp: SmtpServer, hook: Receiver, dedup: DedupReceiver
) -> None:
    world = build_world(platform.engine, smtp.port, hook.url("/119"))
    policy(platform.engine, [{"delay_s": 0, "users": [world.kim], "contacts": [world.hook_contact]}])
    occurrence = Occurrence(TENANT, "household", 7, "no_motion", Severity.CRITICAL, int(time.time() * 1000), {})
    with platform.engine.begin() as conn:
        alarms.raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (smtp.received and dedup.processed):
        time.sleep(0.05)
    time.sleep(0.5)  # would a second delivery follow?
    assert recipients(smtp) == ["kim@city.kr"] and len(dedup.processed) == 1 and dedup.duplicates == 0
    assert {r["status"] for r in outbox(platform.engine)} == {"delivered"}


def test_clock_helper() -> None:
    clock = Clock(1000)
    assert clock() == 1000 and clock.advance(1.5) == 2500


def test_a_batch_that_cannot_be_recorded_at_once_is_recorded_row_by_row(
    engine: Engine,
    service: NotifyService,
    world: World,
    smtp: SmtpServer,
    hook: Receiver,
    dedup: DedupReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from maeul.adapters.sql import notify_outbox as outbox_store

    policy(engine, [{"delay_s": 0, "users": [world.kim], "contacts": [world.hook_contact]}])
    raise_(engine, service, Severity.CRITICAL)
    real_add_attempt = outbox_store.add_attempt
    calls = {"n": 0}

    def fail_once(conn: object, values: dict[str, object]) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second row of the joint transaction: the whole batch rolls back
            raise RuntimeError("simulated failure while recording")
        real_add_attempt(conn, values)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox_store, "add_attempt", fail_once)
    assert service.run_once() == (0, 2)
    rows = outbox(engine)
    assert {r["status"] for r in rows} == {"delivered"}, "each row recorded on its own after the batch failed"
    assert all(len(attempts(engine, r["id"])) == 1 for r in rows), "one attempt logged per row, none lost"
    assert calls["n"] == 4, "two rows tried together (the second failed), then each alone"
    assert recipients(smtp) == ["kim@city.kr"]
    assert dedup.processed == [r["id"] for r in rows if r["channel"] == "webhook"]
    assert service.run_once() == (0, 0), "nothing is sent twice"


def test_messages_due_now_reach_the_running_dispatchers_without_a_claim(
    engine: Engine,
    service: NotifyService,
    world: World,
    smtp: SmtpServer,
    dedup: DedupReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Written leased to this process's dispatchers and handed over after the commit: no claim transaction."""
    policy(engine, [{"delay_s": 0, "users": [world.kim], "contacts": [world.hook_contact]}])
    claimed: list[str] = []
    claim = outbox_store.claim

    def counting_claim(*args: object, **kwargs: object) -> list[dict[str, object]]:
        rows = claim(*args, **kwargs)  # type: ignore[arg-type]
        claimed.extend(str(r["id"]) for r in rows)
        return rows

    monkeypatch.setattr(outbox_store, "claim", counting_claim)
    service.start()
    try:
        raise_(engine, service, Severity.CRITICAL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (smtp.received and dedup.processed):
            time.sleep(0.02)
        time.sleep(0.3)  # would a second delivery follow?
    finally:
        service.stop()
    rows = outbox(engine)
    assert {r["status"] for r in rows} == {"delivered"} and {r["attempts"] for r in rows} == {1}
    assert recipients(smtp) == ["kim@city.kr"] and len(dedup.processed) == 1 and dedup.duplicates == 0
    assert claimed == [], "delivered as handed over, never claimed"
    assert all(r["claim_token"] is None for r in rows), "the lease ends with the delivery"


def test_messages_leased_to_a_process_that_stopped_are_claimed_after_the_lease(
    engine: Engine, service: NotifyService, world: World, clock: Clock, dedup: DedupReceiver
) -> None:
    policy(engine, [{"delay_s": 0, "contacts": [world.hook_contact]}])
    service.planner.lease = ("a-process-that-stopped", 60_000)  # what a running service sets, see start()
    raise_(engine, service, Severity.CRITICAL)
    service.planner.lease = None
    (row,) = outbox(engine)
    assert row["claim_token"] == "a-process-that-stopped" and row["claimed_until"] == clock.now + 60_000
    assert service.run_once() == (0, 0), "leased: no other dispatcher takes it yet"
    clock.advance(61)
    assert service.run_once() == (0, 1)
    assert dedup.processed == [row["id"]] and dedup.duplicates == 0

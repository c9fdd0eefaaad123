"""A receiver that is down for 10 minutes still gets each notification exactly once, same idempotency key;
every failed attempt is in the delivery log. Retries back off; after the maximum age the message fails."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from notify_flow_support import TENANT, Clock, build_world, outbox, policy, raise_, signed
from notify_support import DedupReceiver, Recorded, Reply
from notify_support import Receiver as HttpReceiver
from sqlalchemy import Engine

from maeul.adapters.sql import notifications as repo
from maeul.core.alarms import Severity
from maeul.platform.notify import NotifyOptions, NotifyService
from maeul.testing.ports import free_port


def down_world(engine: Engine, port: int) -> None:
    world = build_world(engine, free_port(), f"http://127.0.0.1:{port}/119")
    policy(engine, [{"delay_s": 0, "contacts": [world.hook_contact]}])


def test_a_receiver_down_for_ten_minutes_gets_the_notification_exactly_once(
    engine: Engine, service: NotifyService, clock: Clock
) -> None:
    port = free_port()
    down_world(engine, port)
    alarm = raise_(engine, service, Severity.CRITICAL)
    raised_at = clock()
    while clock() < raised_at + 10 * 60_000:
        service.run_once()
        clock.advance(20)
    [row] = outbox(engine)
    assert row["status"] == "pending" and row["attempts"] >= 5 and row["last_status"] == "connection_error"
    dedup = DedupReceiver(signed)
    with HttpReceiver(dedup, port=port) as receiver:
        for _ in range(40):  # the back-off is capped at 5 minutes: well within 20 minutes it goes through
            clock.advance(30)
            service.run_once()
    assert dedup.processed == [row["id"]] and dedup.duplicates == 0
    assert [r.header("Idempotency-Key") for r in receiver.requests] == [row["id"]]
    assert row["id"] == f"{TENANT}.a{alarm['id']}.s0.c1.webhook"
    with engine.connect() as conn:
        log = repo.list_attempts(conn, TENANT, row["id"])
    assert [a["status"] for a in log[:-1]] == ["connection_error"] * (len(log) - 1)
    assert log[-1]["status"] == "delivered" and len(log) >= 6
    assert all(a["error"] for a in log[:-1]) and log[-1]["error"] is None
    gaps = [b["ts"] - a["ts"] for a, b in itertools.pairwise(log)][:-1]
    assert gaps[0] < gaps[-1] <= 5 * 60_000 + 30_000, "the waits grow, up to the cap"
    [done] = outbox(engine)
    assert done["status"] == "delivered" and done["attempts"] == len(log) and done["delivered_at"] == log[-1]["ts"]


def test_a_lost_answer_is_sent_again_with_the_same_key_and_the_receiver_deduplicates(
    engine: Engine, service: NotifyService, clock: Clock
) -> None:
    """The receiver processed the message but its answer was lost (here: a 502 from its proxy)."""
    dedup = DedupReceiver(signed)
    answers = iter([Reply(502), Reply(503, {"Retry-After": "120"})])

    def flaky(request: Recorded) -> Reply:
        dedup(request)
        return next(answers, Reply(200))

    port = free_port()
    down_world(engine, port)
    with HttpReceiver(flaky, port=port):
        raise_(engine, service, Severity.MAJOR)
        service.run_once()
        [row] = outbox(engine)
        assert row["last_status"] == "server_error" and row["next_attempt_at"] > clock()
        clock.advance(10)
        service.run_once()
        [row] = outbox(engine)
        assert row["attempts"] == 2 and row["next_attempt_at"] >= clock() + 120_000, "Retry-After is honoured"
        clock.advance(119)
        assert service.run_once() == (0, 0)
        clock.advance(1)
        service.run_once()
    [row] = outbox(engine)
    assert row["status"] == "delivered" and row["attempts"] == 3
    assert dedup.processed == [row["id"]] and dedup.duplicates == 2


def test_after_the_maximum_age_the_notification_fails_and_says_why(
    engine: Engine, clock: Clock, tmp_path: Path
) -> None:
    options = NotifyOptions(max_age_s=3600)
    service = NotifyService(engine, base_dir=tmp_path, clock=clock, options=options, rng=random.Random(1))
    down_world(engine, free_port())
    raise_(engine, service, Severity.CRITICAL)
    for _ in range(30):
        service.run_once()
        clock.advance(300)
    service.stop()
    [row] = outbox(engine)
    assert row["status"] == "failed" and row["last_error"].startswith("gave up after 1 h: cannot connect")
    with engine.connect() as conn:
        log = repo.list_attempts(conn, TENANT, row["id"])
    assert log[-1]["ts"] - log[0]["ts"] >= 3_600_000 and row["attempts"] == len(log)

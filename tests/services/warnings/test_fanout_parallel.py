"""Large fan-outs in parallel parts after the commit: everyone once, resumable after a failure, nothing on rollback."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.platform.app import Platform
from maeul.services.warnings import alerts, bulk, fanout
from maeul.services.warnings.engine import WarningsEngine
from maeul.services.warnings.tables import messages

from .support import A_DISTRICTS, T0, wait_idle
from .test_fanout import AREA, rows_for, setup_town

VALUES = {
    "origin": "manual",
    "status": "Actual",
    "category": "Met",
    "event_ko": "홍수",
    "event_en": "Flood",
    "district_codes": AREA,
    "polygon": None,
}


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every area counts as large, on both stores (SQLite's parts then take turns at its one writer)."""
    monkeypatch.setitem(fanout.PARALLEL_MIN, "postgresql", 1)
    monkeypatch.setitem(fanout.PARALLEL_MIN, "sqlite", 1)


def town(platform: Platform) -> None:
    setup_town(platform)
    with platform.engine.begin() as conn:
        bulk.add_confirmed(conn, "namyangju", 300, list(A_DISTRICTS), T0)  # 200 of them in AREA
        bulk.add_confirmed(conn, "suwon", 50, AREA, T0)  # another municipality: never told


def message_row(platform: Platform, message_id: int) -> Any:
    with platform.engine.connect() as conn:
        return conn.execute(
            select(messages.c.recipients, messages.c.fanout_ms).where(messages.c.id == message_id)
        ).one()


def crashed_alert(platform: Platform, stage: int = 2) -> int:
    """A warning whose process stopped right after the commit: its fan-out never started."""
    with platform.engine.begin() as conn:
        _alert, message = alerts.start_alert(conn, "namyangju", VALUES, stage, T0)
        pending = conn.info.pop(fanout.PENDING)
    assert [m for m, _ in pending] == [message["id"]]
    return int(message["id"])


@pytest.mark.parametrize(
    ("low", "high", "parts", "expected"),
    [
        (1, 10, 2, [(1, 5), (6, 10)]),
        (1, 11, 2, [(1, 6), (7, 11)]),
        (5, 5, 2, [(5, 5)]),
        (1, 3, 4, [(1, 1), (2, 2), (3, 3)]),
        (7, 3, 2, []),
        (1, 100_000, 1, [(1, 100_000)]),
    ],
)
def test_split_covers_the_range_once(low: int, high: int, parts: int, expected: list[tuple[int, int]]) -> None:
    assert [(p.low, p.high) for p in fanout.split(low, high, parts)] == expected


def test_small_areas_and_sqlite_keep_one_transaction(platform: Platform) -> None:
    town(platform)
    with platform.engine.begin() as conn:
        _alert, message = alerts.start_alert(conn, "namyangju", VALUES, 2, T0)
        assert fanout.PENDING not in conn.info
    assert message["recipients"] == 200 and message["fanout_ms"] is not None
    assert len(set(rows_for(platform, message["id"]))) == 200


@pytest.mark.usefixtures("parallel")
def test_parts_tell_every_resident_once_after_the_commit(platform: Platform) -> None:
    town(platform)
    with platform.engine.begin() as conn:
        alert, message = alerts.start_alert(conn, "namyangju", VALUES, 2, T0)
        # Inside the transaction nobody is told yet: the message waits for its commit.
        assert message["fanout_ms"] is None and message["recipients"] == 0
        assert conn.execute(select(func.count()).where(notify_outbox.c.id.like(f"w{message['id']}.s%"))).scalar() == 0
    wait_idle(platform)  # the service's thread ran the parts
    told = rows_for(platform, message["id"])
    assert len(told) == len(set(told)) == 200
    row = message_row(platform, message["id"])
    assert row.recipients == 200 and row.fanout_ms is not None

    # The update and the all-clear go the same way; each resident once per message.
    with platform.engine.begin() as conn:
        alert, raised = alerts.change_stage(conn, alert, 4, T0 + 1)
    with platform.engine.begin() as conn:
        _, cancel = alerts.change_stage(conn, alert, 0, T0 + 2)
    wait_idle(platform)
    for sent in (raised, cancel):
        again = rows_for(platform, sent["id"])
        assert len(again) == len(set(again)) == message_row(platform, sent["id"]).recipients == 200


@pytest.mark.usefixtures("parallel")
def test_a_failed_part_is_resumed_without_telling_anyone_twice(platform: Platform) -> None:
    town(platform)
    message_id = crashed_alert(platform)
    assert message_row(platform, message_id).recipients == 0

    calls: list[fanout.Part] = []

    def second_part_fails(conn: Connection, mid: int, part: fanout.Part) -> int:
        calls.append(part)
        if len(calls) == 2:
            raise RuntimeError("the connection broke")
        return alerts.deferred_part(conn, mid, part)

    broken = fanout.ParallelFanOut(platform.engine, alerts.deferred_range, second_part_fails, parts=2)
    try:
        with pytest.raises(RuntimeError):  # one part commits, the other fails
            broken.complete(message_id)
    finally:
        broken.close()
    assert len(calls) == 2
    half = message_row(platform, message_id)
    assert half.fanout_ms is None, "not finished: it must be resumed"
    assert 0 < half.recipients == len(rows_for(platform, message_id)) < 200

    healthy = fanout.ParallelFanOut(platform.engine, alerts.deferred_range, alerts.deferred_part)
    try:
        with platform.engine.connect() as conn:
            assert message_id in fanout.unfinished(conn)
        assert healthy.resume() == 1
        told = rows_for(platform, message_id)
        assert len(told) == len(set(told)) == 200
        done = message_row(platform, message_id)
        assert done.recipients == 200 and done.fanout_ms is not None
        # Once more: nothing is unfinished, and completing it again writes nothing.
        assert healthy.resume() == 0
        assert healthy.complete(message_id) == 0
        assert message_row(platform, message_id).recipients == 200 and len(rows_for(platform, message_id)) == 200
    finally:
        healthy.close()


@pytest.mark.usefixtures("parallel")
def test_a_starting_engine_finishes_what_a_crash_left(platform: Platform) -> None:
    town(platform)
    message_id = crashed_alert(platform, stage=3)
    fresh = WarningsEngine(platform.engine)
    fresh.start()  # its first act: finish the unfinished fan-outs
    try:
        assert fresh.idle.wait(120)
    finally:
        fresh.stop()
    told = rows_for(platform, message_id)
    assert len(told) == len(set(told)) == 200 == message_row(platform, message_id).recipients


@pytest.mark.usefixtures("parallel")
def test_a_rolled_back_warning_tells_nobody(platform: Platform) -> None:
    town(platform)
    with pytest.raises(RuntimeError), platform.engine.begin() as conn:
        _alert, message = alerts.start_alert(conn, "namyangju", VALUES, 2, T0)
        raise RuntimeError("the operator's request failed after the message was written")
    wait_idle(platform)
    assert rows_for(platform, message["id"]) == []
    with platform.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(messages)).scalar_one() == 0

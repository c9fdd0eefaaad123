"""PostgreSQL telemetry partitions: created on demand per retention class, dropped exactly when expired."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select, text

from maeul.adapters.sql.partitions import PartitionManager, TimePartition, partition_width_ms, partitions_for
from maeul.adapters.sql.tables import telemetry
from maeul.adapters.sql.telemetry_store import DeviceBatch, TelemetryStore
from maeul.core.readings import Reading

pytestmark = pytest.mark.postgres

DAY = 86_400_000
T0 = 1_795_000_000_000 // DAY * DAY  # a UTC midnight, 2026-11-18


def partitions(engine: Engine) -> dict[str, tuple[str, str]]:
    """Every partition (table, not index) below telemetry: name -> (parent, bound expression)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, p.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                "WHERE p.relname LIKE 'telemetry%' AND c.relkind IN ('r', 'p')"
            )
        )
        return {name: (parent, bound) for name, parent, bound in rows}


def count_by_class(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(telemetry.c.retention_days, func.count()).group_by(telemetry.c.retention_days))
        return {days: n for days, n in rows}


def test_partition_width_and_ranges() -> None:
    assert [partition_width_ms(d) for d in (1, 31, 32, 400, 401, 3650)] == [
        DAY,
        DAY,
        7 * DAY,
        7 * DAY,
        28 * DAY,
        28 * DAY,
    ]
    parts = partitions_for(30, T0 + 5, T0 + 2 * DAY + 5)
    assert [(p.start, p.end) for p in parts] == [(T0 + i * DAY, T0 + (i + 1) * DAY) for i in range(3)]
    assert parts[0].name == f"telemetry_r30_p{T0 // DAY}" and parts[0].parent == "telemetry_r30"
    weekly = partitions_for(365, T0, T0)
    assert len(weekly) == 1 and weekly[0].start <= T0 < weekly[0].end and weekly[0].end - weekly[0].start == 7 * DAY
    for days in (7, 365, 1000):  # every timestamp falls in exactly one partition of its class
        for ts in (T0, T0 + 1, T0 + 3 * DAY - 1, T0 + 40 * DAY):
            (part,) = partitions_for(days, ts, ts)
            assert part.start <= ts < part.end


def test_partitions_are_created_on_demand_for_each_retention_class(pg_engine: Engine) -> None:
    manager = PartitionManager(pg_engine)
    manager.load()
    assert partitions(pg_engine) == {}
    store = TelemetryStore(manager.ensure_for_rows)
    classes = {7: [T0, T0 + DAY + 1], 30: [T0 + 2 * DAY], 365: [T0, T0 + 20 * DAY], 1000: [T0]}
    batches = [
        DeviceBatch(days, days, "Asia/Seoul", [Reading("v", ts, 1.0) for ts in stamps])
        for days, stamps in classes.items()
    ]
    with pg_engine.begin() as conn:
        assert store.write(conn, batches) == 6
    found = partitions(pg_engine)
    parents = {name for name, (parent, _) in found.items() if parent == "telemetry"}
    assert parents == {"telemetry_r7", "telemetry_r30", "telemetry_r365", "telemetry_r1000"}
    # Each class gets every time partition across the span of its timestamps in the write.
    expected_children = {
        p.name for days, stamps in classes.items() for p in partitions_for(days, min(stamps), max(stamps))
    }
    assert {name for name, (parent, _) in found.items() if parent != "telemetry"} == expected_children
    assert "FOR VALUES IN (7)" in found["telemetry_r7"][1]
    first = partitions_for(7, T0, T0)[0]
    assert found[first.name] == ("telemetry_r7", f"FOR VALUES FROM ('{first.start}') TO ('{first.end}')")
    assert count_by_class(pg_engine) == {7: 2, 30: 1, 365: 2, 1000: 1}
    # A new manager learns what exists; writing into existing partitions creates nothing new.
    again = PartitionManager(pg_engine)
    again.load()
    assert expected_children | parents <= again._known
    with pg_engine.begin() as conn:
        assert TelemetryStore(again.ensure_for_rows).write(conn, batches) == 0
    assert partitions(pg_engine) == found


def test_drop_expired_drops_exactly_the_expired_partitions(pg_engine: Engine) -> None:
    manager = PartitionManager(pg_engine)
    store = TelemetryStore(manager.ensure_for_rows)
    # Class 7 (daily partitions) has data on 10 days; class 365 (weekly) on the same days.
    days_with_data = [T0 + i * DAY for i in range(10)]
    batches = [
        DeviceBatch(1, 7, "UTC", [Reading("v", ts + 3600_000, 1.0) for ts in days_with_data]),
        DeviceBatch(2, 365, "UTC", [Reading("v", ts + 3600_000, 1.0) for ts in days_with_data]),
    ]
    with pg_engine.begin() as conn:
        store.write(conn, batches)
    now = T0 + 12 * DAY  # keep 7 days: partitions ending at or before T0 + 5 days are expired
    expected = [f"telemetry_r7_p{(T0 + i * DAY) // DAY}" for i in range(5)]
    assert sorted(manager.drop_expired(now)) == sorted(expected)
    remaining = partitions(pg_engine)
    assert not set(expected) & set(remaining)
    assert {f"telemetry_r7_p{(T0 + i * DAY) // DAY}" for i in range(5, 10)} <= set(remaining)
    assert count_by_class(pg_engine) == {7: 5, 365: 10}  # the other class keeps all of its data
    assert manager.drop_expired(now) == []
    # Expired partitions are recreated on demand (a late reading), and dropped again later.
    with pg_engine.begin() as conn:
        assert store.write(conn, [DeviceBatch(1, 7, "UTC", [Reading("v", T0 + 1, 2.0)])]) == 1
    assert manager.drop_expired(now) == [f"telemetry_r7_p{T0 // DAY}"]
    # Far in the future everything of class 7 and 365 goes, class by class.
    dropped = manager.drop_expired(T0 + 400 * DAY)
    assert all(name.startswith(("telemetry_r7_", "telemetry_r365_")) for name in dropped)
    assert count_by_class(pg_engine) == {}


def test_two_threads_creating_the_same_partitions_do_not_fail(pg_engine: Engine) -> None:
    errors: list[BaseException] = []
    rounds = 12
    barrier = threading.Barrier(2)

    def work() -> None:
        try:
            for i in range(rounds):
                manager = PartitionManager(pg_engine)  # a fresh manager: no cache to hide the race
                barrier.wait(timeout=30)
                manager.ensure_for_rows([7, 30, 365], [T0 + i * DAY, T0 + i * DAY, T0 + i * DAY])
                manager.create(TimePartition(90, T0 + i * 7 * DAY, T0 + (i + 1) * 7 * DAY))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, name=f"partition-worker-{n}") for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    found = partitions(pg_engine)
    assert {f"telemetry_r7_p{(T0 + i * DAY) // DAY}" for i in range(rounds)} <= set(found)
    assert {f"telemetry_r90_p{(T0 + i * 7 * DAY) // DAY}" for i in range(rounds)} <= set(found)

"""Alarms on both stores: one active alarm per (originator, type) even under 16 concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from maeul.adapters.sql import accounts, alarms, devices
from maeul.adapters.sql.alarm_tables import alarm_entities, entities, entity_devices
from maeul.adapters.sql.alarm_tables import alarms as alarms_table
from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.core.alarms import Action, Occurrence, Severity
from maeul.core.roles import Role


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url, pool_size=20)
    upgrade(e)
    with e.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        accounts.create_tenant(conn, "suwon", "수원시")
        devices.create_device(conn, "namyangju", "home-1")
    yield e
    e.dispose()


def occurrence(severity: Severity = Severity.MAJOR, start: int = 1_000, kind: str = "cold") -> Occurrence:
    return Occurrence("namyangju", "device", 1, kind, severity, start, {"value": 15.0})


def test_raise_repeat_upgrade_clear_and_history(engine: Engine) -> None:
    with engine.begin() as conn:
        first, action1 = alarms.raise_alarm(conn, occurrence(Severity.MINOR, 1_000))
        again, action2 = alarms.raise_alarm(conn, occurrence(Severity.MINOR, 2_000))
        upgraded, action3 = alarms.raise_alarm(conn, occurrence(Severity.CRITICAL, 3_000))
        lower, action4 = alarms.raise_alarm(conn, occurrence(Severity.WARNING, 4_000))
    assert (action1, action2, action3, action4) == (Action.RAISED, Action.REPEATED, Action.UPGRADED, Action.REPEATED)
    assert first["id"] == again["id"] == upgraded["id"] == lower["id"]
    assert lower["severity"] == "critical", "a repeat never lowers the severity"
    assert lower["start_ts"] == 1_000 and lower["last_ts"] == 4_000 and lower["occurrences"] == 4
    with engine.begin() as conn:
        cleared = alarms.clear_active(conn, "namyangju", "device", 1, "cold", 5_000)
        assert cleared is not None and cleared["cleared"] and cleared["end_ts"] == 5_000
        fresh, action = alarms.raise_alarm(conn, occurrence(Severity.MINOR, 6_000))
        assert action == Action.RAISED and fresh["id"] != first["id"], "after clearing, a new alarm starts"
        events = [e["action"] for e in alarms.history(conn, "namyangju", first["id"])]
    assert events == ["raised", "repeated", "upgraded", "repeated", "cleared"]


def test_acknowledge_assign_comment_and_tenant_scope(engine: Engine) -> None:
    with engine.begin() as conn:
        user = accounts.create_user(conn, "namyangju", "worker", Role.CASEWORKER)
        other = accounts.create_user(conn, "suwon", "stranger", Role.CASEWORKER)
        alarm, _ = alarms.raise_alarm(conn, occurrence())
        alarms.acknowledge(conn, "namyangju", alarm["id"], user["id"], text="전화 확인 중 / calling")
        alarms.assign(conn, "namyangju", alarm["id"], user["id"], user["id"])
        alarms.comment(conn, "namyangju", alarm["id"], user["id"], "no answer")
        with pytest.raises(alarms.Invalid):
            alarms.assign(conn, "namyangju", alarm["id"], user["id"], other["id"])
        with pytest.raises(alarms.NotFound):
            alarms.acknowledge(conn, "suwon", alarm["id"], other["id"])
        current = alarms.get_alarm(conn, "namyangju", alarm["id"])
        assert current["acknowledged"] and not current["cleared"] and current["assignee_id"] == user["id"]
        assert alarms.list_alarms(conn, "suwon") == []
        assert [a["id"] for a in alarms.list_alarms(conn, "namyangju", active=True, acknowledged=True)] == [alarm["id"]]
        actions = [e["action"] for e in alarms.history(conn, "namyangju", alarm["id"])]
    assert actions == ["raised", "acknowledged", "assigned", "commented"]


def test_alarm_propagates_to_the_entities_of_its_device(engine: Engine) -> None:
    with engine.begin() as conn:
        household = conn.execute(
            entities.insert().values(tenant_id="namyangju", kind="household", name="H001", attributes={}, created_at=0)
        ).inserted_primary_key[0]
        conn.execute(entity_devices.insert().values(entity_id=household, device_id=1))
        alarm, _ = alarms.raise_alarm(conn, occurrence())
        linked = conn.execute(select(alarm_entities.c.entity_id).where(alarm_entities.c.alarm_id == alarm["id"]))
        assert linked.scalars().all() == [household]
        assert [a["id"] for a in alarms.list_alarms(conn, "namyangju", entity_id=household)] == [alarm["id"]]


def test_sixteen_concurrent_writers_make_exactly_one_active_alarm(engine: Engine) -> None:
    start = threading.Barrier(16)
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            start.wait()
            for round_ in range(20):
                with engine.begin() as conn:
                    alarms.raise_alarm(conn, occurrence(Severity.MAJOR, 1_000 + index * 100 + round_))
        except BaseException as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with engine.connect() as conn:
        active = conn.execute(
            select(func.count()).select_from(alarms_table).where(~alarms_table.c.cleared)
        ).scalar_one()
        total = conn.execute(select(func.count()).select_from(alarms_table)).scalar_one()
        occurrences = conn.execute(select(alarms_table.c.occurrences)).scalar_one()
    assert (active, total) == (1, 1)
    assert occurrences == 16 * 20, "every occurrence was counted on the one alarm"

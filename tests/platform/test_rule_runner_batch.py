"""The rule runner steps every device of a committed batch in one transaction (states read and written in bulk):
the same alarms as device by device, on both stores."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from maeul.adapters.sql import accounts, alarms, devices, rules
from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.telemetry_store import DeviceBatch
from maeul.core.readings import Reading
from maeul.core.rules import Transition
from maeul.platform.metrics import Metrics
from maeul.platform.rule_runner import RuleRunner

T0 = 1_795_000_000_000


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    upgrade(e)
    yield e
    e.dispose()


def _homes_with_a_heat_rule(engine: Engine, count: int) -> list[int]:
    """``count`` devices of a profile whose rule raises above 30 °C and clears below 28 °C."""
    with engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        profile = devices.create_profile(conn, "namyangju", "room", [{"key": "temperature", "type": "number"}])
        condition = {"kind": "threshold", "key": "temperature", "op": ">", "value": 30, "clear_value": 28}
        rules.create_rule(
            conn, "namyangju", profile["id"], name="heat", alarm_type="heat", severity="major", condition=condition
        )
        return [devices.create_device(conn, "namyangju", f"home-{n}", profile="room")[0]["id"] for n in range(count)]


def test_a_batch_of_many_devices_raises_each_alarm_once_and_keeps_each_state(engine: Engine) -> None:
    ids = _homes_with_a_heat_rule(engine, 40)
    runner = RuleRunner(engine, [], clock=lambda: T0 + 10_000)
    hot = set(ids[::3])

    def batch(offset: int, value_of: dict[int, float]) -> list[DeviceBatch]:
        return [DeviceBatch(d, 365, "Asia/Seoul", [Reading("temperature", T0 + offset, value_of[d])]) for d in ids]

    first = {d: (35.0 if d in hot else 20.0) for d in ids}
    assert runner.evaluate_batches(batch(0, first)) == len(hot)
    assert runner.evaluate_batches(batch(1, first)) == 0, "edge-triggered: the states of every device were kept"
    with engine.connect() as conn:
        active = alarms.list_alarms(conn, "namyangju", active=True, limit=1000)
    assert sorted(a["originator_id"] for a in active) == sorted(hot)
    assert all(a["start_ts"] == T0 for a in active)
    cooled = {d: 20.0 for d in ids}
    assert runner.evaluate_batches(batch(2, cooled)) == len(hot)
    with engine.connect() as conn:
        assert alarms.list_alarms(conn, "namyangju", active=True) == []


def test_rules_of_many_devices_read_in_bulk_are_those_read_one_by_one(engine: Engine) -> None:
    """Profiles, a household's overrides, a device's own override, a disabled rule: the bulk read agrees."""
    with engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        keys = [{"key": "temperature", "type": "number"}, {"key": "motion", "type": "number"}]
        room = devices.create_profile(conn, "namyangju", "room", keys)
        plain = devices.create_profile(conn, "namyangju", "plain", keys)
        devices.create_profile(conn, "namyangju", "bare", keys)
        heat = {"kind": "threshold", "key": "temperature", "op": ">", "value": 30}
        silent = {"kind": "no_data", "silent_s": 600}
        hot = rules.create_rule(
            conn, "namyangju", room["id"], name="heat", alarm_type="heat", severity="major", condition=heat
        )
        quiet = rules.create_rule(
            conn, "namyangju", room["id"], name="silent", alarm_type="silent", severity="minor", condition=silent
        )
        rules.create_rule(
            conn, "namyangju", plain["id"], name="heat", alarm_type="heat", severity="minor", condition=heat
        )
        ids = [
            devices.create_device(conn, "namyangju", f"d{n}", profile=("room", "plain", "bare")[n % 3])[0]["id"]
            for n in range(12)
        ]
        home = rules.create_entity(conn, "namyangju", "household", "home")
        rules.set_entity_devices(conn, "namyangju", home["id"], ids[:6])
        rules.set_override(conn, "namyangju", hot["id"], "entity", home["id"], {"condition": {"value": 27}}, None)
        rules.set_override(conn, "namyangju", hot["id"], "device", ids[3], {"condition": {"value": 25}}, None)
        rules.set_override(conn, "namyangju", quiet["id"], "device", ids[0], {}, False)
        one_by_one = {d: rules.effective_rules(conn, d) for d in ids}
        bulk = rules.effective_rules_many(conn, [*ids, 999_999])
    assert 999_999 not in bulk
    assert {d: r for d, (_tenant, r) in bulk.items()} == one_by_one
    assert {tenant for tenant, _ in bulk.values()} == {"namyangju"}
    assert one_by_one[ids[3]] != one_by_one[ids[6]] and one_by_one[ids[2]] == []


@pytest.mark.parametrize("together", [False, True], ids=["reading by reading", "in one batch"])
def test_two_rules_of_one_alarm_type_share_one_alarm_until_both_conditions_end(engine: Engine, together: bool) -> None:
    """One active alarm per originator and type (the spec): a second rule of the type repeats the alarm, and it
    clears only when the last of the rules' conditions has ended."""
    with engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        profile = devices.create_profile(conn, "namyangju", "room", [{"key": "temperature", "type": "number"}])
        for name, severity, limit in (("warm", "minor", 26), ("hot", "major", 30)):
            condition = {"kind": "threshold", "key": "temperature", "op": ">", "value": limit}
            rules.create_rule(
                conn, "namyangju", profile["id"], name=name, alarm_type="heat", severity=severity, condition=condition
            )
        device_id = devices.create_device(conn, "namyangju", "home-1", profile="room")[0]["id"]
    runner = RuleRunner(engine, [], clock=lambda: T0 + 60_000)
    values = [27.0, 32.0, 28.0, 25.0]  # warm raises; hot joins; hot ends (warm holds); warm ends
    readings = [Reading("temperature", T0 + i * 1000, v) for i, v in enumerate(values)]
    steps = [readings] if together else [[r] for r in readings]
    for step in steps:
        runner.evaluate_batches([DeviceBatch(device_id, 365, "Asia/Seoul", step)])
        if not together and step[0].value == 28.0:
            with engine.connect() as conn:
                [alarm] = alarms.list_alarms(conn, "namyangju", active=True)
            assert alarm["severity"] == "major" and alarm["occurrences"] == 2, "hot repeated and upgraded it"
    with engine.connect() as conn:
        everything = alarms.list_alarms(conn, "namyangju")
    [alarm] = everything
    assert alarm["cleared"] and alarm["start_ts"] == T0 and alarm["end_ts"] == T0 + 3000


def test_states_are_read_once_and_a_failed_write_makes_them_read_again(engine: Engine) -> None:
    """The runner keeps what it committed (one read per device); a write that fails leaves nothing stale behind,
    and a new runner (a restart) carries on from the database."""
    ids = _homes_with_a_heat_rule(engine, 5)
    runner = RuleRunner(engine, [], clock=lambda: T0 + 60_000)

    def batch(offset: int, value: float) -> list[DeviceBatch]:
        return [DeviceBatch(d, 365, "Asia/Seoul", [Reading("temperature", T0 + offset, value)]) for d in ids]

    assert runner.evaluate_batches(batch(0, 20.0)) == 0
    assert runner.evaluate_batches(batch(1, 20.0)) == 0
    assert (runner.states.hits, runner.states.misses) == (5, 5), "read once, then kept"

    def failing_apply(*_args: object) -> None:
        raise RuntimeError("the database went away")

    runner._apply = failing_apply  # type: ignore[method-assign]
    runner.evaluate_batches(batch(2, 35.0))  # every device fails, in bulk and then one by one
    assert len(runner.states) == 0, "nothing of a rolled-back write is kept"
    del runner._apply
    assert runner.evaluate_batches(batch(3, 35.0)) == 5, "read again from the database: still below, so raised"
    restarted = RuleRunner(engine, [], clock=lambda: T0 + 60_000)
    assert restarted.evaluate_batches(batch(4, 36.0)) == 0, "a new runner reads the committed states: still open"
    assert restarted.evaluate_batches(batch(5, 20.0)) == 5


def test_the_rule_thread_reports_its_lag_cycles_and_readings(engine: Engine) -> None:
    ids = _homes_with_a_heat_rule(engine, 5)
    metrics = Metrics()
    runner = RuleRunner(engine, [], clock=lambda: T0 + 10_000, metrics=metrics)
    runner.start()
    try:
        runner.submit([DeviceBatch(d, 365, "Asia/Seoul", [Reading("temperature", T0, 35.0)]) for d in ids])
        deadline = time.monotonic() + 30
        while runner.evaluated_readings < len(ids) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        runner.stop()
    sample = metrics.registry.get_sample_value
    assert runner.evaluated_readings == len(ids)
    assert sample("maeul_rules_cycle_readings_sum") == len(ids)
    assert sample("maeul_rules_lag_seconds_count") == sample("maeul_rules_cycle_seconds_count") == 1
    lag, cycle = sample("maeul_rules_lag_seconds_sum"), sample("maeul_rules_cycle_seconds_sum")
    assert lag is not None and cycle is not None and lag >= cycle > 0
    with engine.connect() as conn:
        assert len(alarms.list_alarms(conn, "namyangju", active=True)) == len(ids)


def _hot(ids: list[int], offset: int = 0, value: float = 35.0) -> list[DeviceBatch]:
    return [DeviceBatch(d, 365, "Asia/Seoul", [Reading("temperature", T0 + offset, value)]) for d in ids]


def _active(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return sorted(a["originator_id"] for a in alarms.list_alarms(conn, "namyangju", active=True, limit=1000))


def test_rules_in_the_writers_transaction_commit_with_it(engine: Engine) -> None:
    ids = _homes_with_a_heat_rule(engine, 3)
    runner = RuleRunner(engine, [], clock=lambda: T0 + 10_000)
    with runner.in_transaction(_hot(ids)) as write, engine.begin() as conn:
        write(conn)
        assert _active(engine) == [], "written on the caller's connection, not committed yet"
    assert _active(engine) == sorted(ids)
    assert runner.evaluated_readings == 3
    assert runner.evaluate_batches(_hot(ids, 1)) == 0, "edge-triggered: the committed states were kept"


def test_a_rolled_back_writer_transaction_keeps_no_alarm_and_no_state(engine: Engine) -> None:
    ids = _homes_with_a_heat_rule(engine, 3)
    runner = RuleRunner(engine, [], clock=lambda: T0 + 10_000)
    with pytest.raises(RuntimeError), runner.in_transaction(_hot(ids)) as write, engine.begin() as conn:
        write(conn)
        raise RuntimeError("the readings could not be stored")
    assert _active(engine) == []
    # the writer retries the same readings: the states were not kept, so the alarms are raised now
    with runner.in_transaction(_hot(ids)) as write, engine.begin() as conn:
        write(conn)
    assert _active(engine) == sorted(ids)


def test_a_device_whose_alarm_cannot_be_written_is_left_out_and_the_rest_commit(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _homes_with_a_heat_rule(engine, 3)
    runner = RuleRunner(engine, [], clock=lambda: T0 + 10_000)
    apply = runner._apply

    def failing(conn: Connection, tenant_id: str, device_id: int, transitions: list[Transition]) -> None:
        if device_id == ids[0]:
            conn.execute(text("INSERT INTO no_such_table VALUES (1)"))
        apply(conn, tenant_id, device_id, transitions)

    monkeypatch.setattr(runner, "_apply", failing)
    with runner.in_transaction(_hot(ids)) as write, engine.begin() as conn:
        accounts.create_tenant(conn, "other", "다른 시")  # the caller's own write in the same transaction
        write(conn)
    assert _active(engine) == sorted(ids[1:])
    with engine.connect() as conn:
        assert accounts.get_tenant(conn, "other") is not None, "the caller's transaction committed"
    monkeypatch.setattr(runner, "_apply", apply)
    # the failed device's state was not kept: its next reading raises its alarm
    with runner.in_transaction(_hot(ids[:1], 1)) as write, engine.begin() as conn:
        write(conn)
    assert _active(engine) == sorted(ids)


def test_a_batch_without_ruled_devices_writes_nothing(engine: Engine) -> None:
    _homes_with_a_heat_rule(engine, 1)
    with engine.begin() as conn:
        plain = devices.create_device(conn, "namyangju", "meter")[0]["id"]
    runner = RuleRunner(engine, [], clock=lambda: T0 + 10_000)
    with runner.in_transaction(_hot([plain])) as write, engine.begin() as conn:
        write(conn)
    assert _active(engine) == [] and runner.evaluated_readings == 1


def test_rules_that_cannot_be_read_leave_the_writers_transaction_alone(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _homes_with_a_heat_rule(engine, 2)
    runner = RuleRunner(engine, [], clock=lambda: T0 + 10_000)

    def unreadable(device_ids: list[int]) -> dict[int, dict[str, object]]:
        raise RuntimeError("the states table is unreadable")

    monkeypatch.setattr(runner, "_load_states", unreadable)
    with runner.in_transaction(_hot(ids)) as write, engine.begin() as conn:
        accounts.create_tenant(conn, "other", "다른 시")
        write(conn)
    with engine.connect() as conn:
        assert accounts.get_tenant(conn, "other")["id"] == "other"
    assert _active(engine) == [] and runner.evaluated_readings == 2

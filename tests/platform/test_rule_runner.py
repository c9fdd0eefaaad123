"""The rule runner on both stores: readings and ticks become alarms, raised once and cleared from readings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from maeul.adapters.sql import accounts, alarms, devices, rules
from maeul.adapters.sql.engine import is_postgres, make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.partitions import PartitionManager
from maeul.adapters.sql.telemetry_store import DeviceBatch, TelemetryStore
from maeul.core.readings import Reading
from maeul.platform.rule_runner import RuleRunner

T0 = 1_795_000_000_000
MIN = 60_000


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    upgrade(e)
    yield e
    e.dispose()


@pytest.fixture
def setup(engine: Engine) -> tuple[RuleRunner, Clock, int, int]:
    with engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        profile = devices.create_profile(
            conn, "namyangju", "room", [{"key": "temperature", "type": "number"}, {"key": "motion", "type": "number"}]
        )
        hot = rules.create_rule(
            conn,
            "namyangju",
            profile["id"],
            name="heat",
            alarm_type="indoor_heat",
            severity="major",
            condition={"kind": "threshold", "key": "temperature", "op": ">", "value": 30, "clear_value": 28},
        )
        rules.create_rule(
            conn,
            "namyangju",
            profile["id"],
            name="silent",
            alarm_type="no_data",
            severity="minor",
            condition={"kind": "no_data", "silent_s": 600},
        )
        device, _ = devices.create_device(conn, "namyangju", "home-1", profile="room")
    clock = Clock(T0)
    return RuleRunner(engine, [], clock=clock), clock, device["id"], hot["id"]


def feed(engine: Engine, runner: RuleRunner, device_id: int, readings: list[Reading]) -> None:
    batch = DeviceBatch(device_id, 365, "Asia/Seoul", readings)
    store = TelemetryStore(PartitionManager(engine).ensure_for_rows if is_postgres(engine) else None)
    with engine.begin() as conn:
        store.write(conn, [batch])
    runner.evaluate_batches([batch])


def active(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return alarms.list_alarms(conn, "namyangju", active=True)


def test_threshold_raises_once_with_hysteresis_and_clears_at_the_reading_time(
    engine: Engine, setup: tuple[RuleRunner, Clock, int, int]
) -> None:
    runner, _clock, device_id, rule_id = setup
    feed(engine, runner, device_id, [Reading("temperature", T0, 25.0), Reading("temperature", T0 + MIN, 31.0)])
    feed(engine, runner, device_id, [Reading("temperature", T0 + 2 * MIN, 29.0)])  # above the clear level
    feed(engine, runner, device_id, [Reading("temperature", T0 + 3 * MIN, 32.0)])
    [alarm] = active(engine)
    assert (alarm["type"], alarm["severity"], alarm["start_ts"], alarm["rule_id"]) == (
        "indoor_heat",
        "major",
        T0 + MIN,
        rule_id,
    )
    assert alarm["occurrences"] == 1, "edge-triggered: a condition that stays true raises once"
    feed(engine, runner, device_id, [Reading("temperature", T0 + 4 * MIN, 27.0)])
    assert active(engine) == []
    with engine.connect() as conn:
        [cleared] = alarms.list_alarms(conn, "namyangju", active=False)
    assert cleared["end_ts"] == T0 + 4 * MIN


def test_no_data_is_found_by_the_tick_and_cleared_by_the_next_reading(
    engine: Engine, setup: tuple[RuleRunner, Clock, int, int]
) -> None:
    runner, clock, device_id, _ = setup
    feed(engine, runner, device_id, [Reading("motion", T0, 1.0)])
    assert runner.tick(T0 + 5 * MIN) == 0
    assert runner.tick(T0 + 11 * MIN) == 1
    [alarm] = active(engine)
    assert alarm["type"] == "no_data" and alarm["start_ts"] == T0 + 10 * MIN, "start taken from the data"
    assert runner.tick(T0 + 20 * MIN) == 0, "already raised: no second alarm"
    clock.now = T0 + 30 * MIN
    feed(engine, runner, device_id, [Reading("motion", T0 + 30 * MIN, 1.0)])
    assert active(engine) == []


def test_device_override_changes_the_threshold_for_one_home(
    engine: Engine, setup: tuple[RuleRunner, Clock, int, int]
) -> None:
    runner, _clock, device_id, rule_id = setup
    with engine.begin() as conn:
        rules.set_override(conn, "namyangju", rule_id, "device", device_id, {"condition": {"value": 35}}, None)
    runner.invalidate(device_id)
    feed(engine, runner, device_id, [Reading("temperature", T0, 33.0)])
    assert active(engine) == [], "this household's threshold is 35"
    feed(engine, runner, device_id, [Reading("temperature", T0 + MIN, 36.0)])
    assert [a["type"] for a in active(engine)] == ["indoor_heat"]

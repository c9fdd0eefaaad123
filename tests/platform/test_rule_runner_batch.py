"""The rule runner steps every device of a committed batch in one transaction (states read and written in bulk):
the same alarms as device by device, on both stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from maeul.adapters.sql import accounts, alarms, devices, rules
from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.telemetry_store import DeviceBatch
from maeul.core.readings import Reading
from maeul.platform.rule_runner import RuleRunner

T0 = 1_795_000_000_000


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    upgrade(e)
    yield e
    e.dispose()


def test_a_batch_of_many_devices_raises_each_alarm_once_and_keeps_each_state(engine: Engine) -> None:
    with engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        profile = devices.create_profile(conn, "namyangju", "room", [{"key": "temperature", "type": "number"}])
        condition = {"kind": "threshold", "key": "temperature", "op": ">", "value": 30, "clear_value": 28}
        rules.create_rule(
            conn, "namyangju", profile["id"], name="heat", alarm_type="heat", severity="major", condition=condition
        )
        ids = [devices.create_device(conn, "namyangju", f"home-{n}", profile="room")[0]["id"] for n in range(40)]
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

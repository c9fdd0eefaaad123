"""Splitting a batch into its urgent devices and the rest (pure), and the rule writes done in parts."""

from __future__ import annotations

from collections.abc import Collection

import pytest
from sqlalchemy import Connection

from maeul.adapters.sql.telemetry_store import DeviceBatch
from maeul.core.readings import Reading
from maeul.core.rules import Raised, RuleState, Transition
from maeul.platform.rule_writes import RuleWrites, States, Stepped
from maeul.platform.transaction_writes import NoWrites, split_urgent


class _Urgent:
    def __init__(self, *devices: int) -> None:
        self.urgent = frozenset(devices)

    def __call__(self, conn: Connection, devices: Collection[int] | None = None, /) -> None:
        return None


def _batches(*device_ids: int) -> list[DeviceBatch]:
    return [
        DeviceBatch(d, 365, "Asia/Seoul", [Reading("t", 1_763_856_000_000 + n, 1.0)]) for n, d in enumerate(device_ids)
    ]


@pytest.mark.parametrize(
    ("devices", "urgent_of_hooks", "urgent", "first", "rest"),
    [
        ((1, 2, 3), [()], (), (), (1, 2, 3)),  # nothing urgent: one transaction
        ((1, 2, 3), [(2,)], (2,), (2,), (1, 3)),
        ((1, 2, 1, 3), [(1,)], (1,), (1, 1), (2, 3)),  # a device's batches stay together, in order
        ((1, 2, 3), [(1,), (3,)], (1, 3), (1, 3), (2,)),  # several hooks
        ((1, 2), [(1, 2)], (), (), (1, 2)),  # all urgent: nothing to put first
        ((1, 2), [(9,)], (), (), (1, 2)),  # no urgent device in the batch
        ((), [(1,)], (), (), ()),
    ],
)
def test_split_urgent(
    devices: tuple[int, ...],
    urgent_of_hooks: list[tuple[int, ...]],
    urgent: tuple[int, ...],
    first: tuple[int, ...],
    rest: tuple[int, ...],
) -> None:
    batches = _batches(*devices)
    got_urgent, got_first, got_rest = split_urgent(batches, [_Urgent(*u) for u in urgent_of_hooks])
    assert got_urgent == frozenset(urgent)
    assert tuple(b.device_id for b in got_first) == first
    assert tuple(b.device_id for b in got_rest) == rest
    assert sorted(got_first + got_rest, key=batches.index) == batches


def test_no_writes_is_never_urgent() -> None:
    assert split_urgent(_batches(1), [NoWrites()]) == (frozenset(), [], _batches(1))


def test_rule_writes_write_each_device_once_urgent_first() -> None:
    raised: list[Transition] = [Raised("heat", "heat", "major", 1)]
    stepped: list[Stepped] = [("t", 1, []), ("t", 2, raised), ("t", 3, [])]
    state = RuleState("f", {}, None, 1, None)
    changed: States = {1: {"r": state}, 2: {"r": state}, 4: {"r": state}}  # 4: a state change only
    calls: list[tuple[list[int], list[int]]] = []

    def write_steps(_conn: Connection, part: list[Stepped], states: States) -> States:
        calls.append(([s[1] for s in part], sorted(states)))
        return states

    writes = RuleWrites(stepped, changed, write_steps)
    assert writes.urgent == frozenset({2})
    conn: Connection = None  # type: ignore[assignment]  # never used by the fake
    writes(conn, writes.urgent)
    writes(conn)
    writes(conn)  # nothing left
    assert calls == [([2], [2]), ([1, 3], [1, 4])]
    assert writes.written == changed

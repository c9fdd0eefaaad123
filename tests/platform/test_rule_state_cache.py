"""The rule thread's cache of rule states: only devices not seen are read, committed states replace them, failures
and changes make them read again, and the oldest are forgotten past the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from maeul.core.rules import RuleState
from maeul.platform.app import Platform
from maeul.platform.rule_state_cache import DEFAULT_LIMIT, DeviceStates, RuleStateCache
from maeul.platform.settings import load_settings


def state(watermark: int) -> DeviceStates:
    return {"1": RuleState("f" * 16, None, None, watermark, None)}


class Loader:
    """Stands in for the database: device id → states (devices absent from it have none)."""

    def __init__(self, stored: dict[int, DeviceStates]) -> None:
        self.stored = stored
        self.asked: list[list[int]] = []

    def __call__(self, device_ids: list[int]) -> dict[int, DeviceStates]:
        self.asked.append(list(device_ids))
        return {d: self.stored[d] for d in device_ids if d in self.stored}


def test_only_devices_not_cached_are_read_and_devices_without_states_are_remembered_too() -> None:
    cache = RuleStateCache()
    load = Loader({1: state(10), 2: state(20)})
    assert cache.get_many([1, 2, 3], load) == {1: state(10), 2: state(20), 3: {}}
    assert cache.get_many([3, 2, 1, 4], load) == {1: state(10), 2: state(20), 3: {}, 4: {}}
    assert load.asked == [[1, 2, 3], [4]]
    assert (cache.hits, cache.misses) == (3, 4)


def test_committed_states_replace_what_was_read_and_dropped_ones_are_read_again() -> None:
    cache = RuleStateCache()
    load = Loader({1: state(10), 2: state(20)})
    cache.get_many([1, 2], load)
    cache.put_many({1: state(11)})
    load.stored[2] = state(21)  # written elsewhere (a rolled-back write's devices are dropped, then re-read)
    cache.drop([2])
    assert cache.get_many([1, 2], load) == {1: state(11), 2: state(21)}
    cache.clear()
    assert len(cache) == 0
    assert cache.get_many([1], load) == {1: state(10)}


def test_past_the_limit_the_least_recently_written_devices_are_forgotten() -> None:
    cache = RuleStateCache(limit=3)
    load = Loader({d: state(d) for d in range(1, 6)})
    cache.get_many([1, 2, 3], load)
    cache.put_many({1: state(100)})  # 1 is now the newest
    cache.get_many([4, 5], load)  # 2 and 3 go
    assert len(cache) == 3
    load.asked.clear()
    assert cache.get_many([1, 2, 3, 4, 5], load)[1] == state(100)
    assert load.asked == [[2, 3]]


def test_a_cache_of_size_zero_keeps_nothing_and_reads_every_time() -> None:
    """What ``MAEUL_RULES_STATE_CACHE=false`` gives: several nodes share the database and write its states."""
    cache = RuleStateCache(limit=0)
    load = Loader({1: state(10)})
    assert cache.get_many([1, 2], load) == {1: state(10), 2: {}}
    cache.put_many({1: state(11)})
    load.stored[1] = state(12)  # another node's write
    assert cache.get_many([1], load) == {1: state(12)}
    assert len(cache) == 0 and load.asked == [[1, 2], [1]]


@pytest.mark.parametrize(("variable", "limit"), [(None, DEFAULT_LIMIT), ("false", 0)])
def test_the_platform_caches_states_unless_told_that_nodes_share_the_database(
    tmp_path: Path, variable: str | None, limit: int
) -> None:
    environ = {} if variable is None else {"MAEUL_RULES_STATE_CACHE": variable}
    platform = Platform.create(load_settings(environ, data_dir=tmp_path / "data"))
    try:
        assert platform.rule_runner is not None and platform.rule_runner.states.limit == limit
    finally:
        platform.stop()

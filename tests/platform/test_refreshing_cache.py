"""RefreshingCache on a fake clock: lookups served from the cache, bulk reads ahead of expiry, idle entries
dropped, and nothing stored by a read that a ``forget`` overtook."""

from __future__ import annotations

import threading

import pytest

from maeul.platform.refreshing_cache import RefreshingCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A table of values; records every bulk read."""

    def __init__(self, values: dict[str, int]) -> None:
        self.values = dict(values)
        self.reads: list[list[str]] = []

    def load(self, keys: list[str]) -> dict[str, int]:
        self.reads.append(sorted(keys))
        return {k: self.values[k] for k in keys if k in self.values}


def make(
    values: dict[str, int], ttl_s: float = 30.0, keep_idle_s: float = 600.0
) -> tuple[RefreshingCache[str, int | None], Source, Clock]:
    source, clock = Source(values), Clock()
    # rand() = 0.5: every lifetime is exactly ttl_s
    cache: RefreshingCache[str, int | None] = RefreshingCache(
        source.load, None, ttl_s=ttl_s, keep_idle_s=keep_idle_s, clock=clock, rand=lambda: 0.5
    )
    return cache, source, clock


def test_a_value_is_read_once_then_served_from_the_cache() -> None:
    cache, source, clock = make({"a": 1})
    assert [cache.get("a"), cache.get("a"), cache.get("b"), cache.get("b")] == [1, 1, None, None]
    assert source.reads == [["a"], ["b"]]  # an unknown key is remembered as missing too
    clock.now += 29.9
    assert cache.get("a") == 1 and len(source.reads) == 2
    clock.now += 0.2
    source.values["a"] = 2
    assert cache.get("a") == 2 and source.reads[-1] == ["a"]  # expired, nobody refreshed it: read on the spot
    assert cache.misses == 3


def test_get_many_reads_what_is_missing_in_one_bulk_load() -> None:
    cache, source, _clock = make({"a": 1, "b": 2, "c": 3})
    assert cache.get("a") == 1
    assert cache.get_many(["a", "b", "c", "d"]) == {"a": 1, "b": 2, "c": 3, "d": None}
    assert source.reads == [["a"], ["b", "c", "d"]]


@pytest.mark.parametrize(
    ("advance_s", "ahead_s", "read_again"),
    [
        (10.0, 3.0, []),  # 20 s left: not due
        (27.5, 3.0, ["a", "b"]),  # 2.5 s left: due
        (26.0, 5.0, ["a", "b"]),  # within a longer horizon
        (40.0, 3.0, ["a", "b"]),  # already expired: still read again, in bulk
    ],
)
def test_refresh_due_reads_the_entries_about_to_expire_in_bulk(
    advance_s: float, ahead_s: float, read_again: list[str]
) -> None:
    cache, source, clock = make({"a": 1, "b": 2})
    cache.get_many(["a", "b"])
    source.values.update(a=10, b=20)
    clock.now += advance_s
    assert cache.refresh_due(ahead_s) == len(read_again)
    assert source.reads[1:] == ([read_again] if read_again else [])
    if read_again:  # fresh again for a whole lifetime, without a read on the spot
        clock.now += 29.0
        assert cache.get_many(["a", "b"]) == {"a": 10, "b": 20} and len(source.reads) == 2


def test_a_refresh_records_that_a_key_disappeared() -> None:
    cache, source, clock = make({"a": 1})
    assert cache.get("a") == 1
    del source.values["a"]
    clock.now += 28.0
    cache.refresh_due()
    assert cache.get("a") is None and len(source.reads) == 2


def test_idle_entries_are_dropped_at_expiry_instead_of_read_again() -> None:
    cache, source, clock = make({"busy": 1, "idle": 2}, ttl_s=30.0, keep_idle_s=45.0)
    cache.get_many(["busy", "idle"])
    for _ in range(3):  # 'busy' is used every 28 s; 'idle' never again
        clock.now += 28.0
        cache.get("busy")
        cache.refresh_due()
    assert source.reads == [["busy", "idle"], ["busy", "idle"], ["busy"], ["busy"]]
    assert len(cache) == 1 and cache.misses == 2


def test_forget_drops_selected_entries_or_all() -> None:
    cache, source, _clock = make({"a": 1, "b": 2, "c": 3})
    cache.get_many(["a", "b", "c"])
    cache.forget(lambda key, value: key == "a" or value == 3)
    assert len(cache) == 1
    cache.get_many(["a", "b", "c"])
    assert source.reads[-1] == ["a", "c"]
    cache.forget()
    assert len(cache) == 0


def test_a_read_overtaken_by_forget_is_returned_but_not_kept() -> None:
    """A value read while it changed (and was forgotten) must not stay cached for a whole lifetime."""
    source, clock = Source({"a": 1}), Clock()
    started, release = threading.Event(), threading.Event()

    def slow_load(keys: list[str]) -> dict[str, int]:
        found = source.load(keys)
        started.set()
        release.wait(5)
        return found

    cache: RefreshingCache[str, int | None] = RefreshingCache(slow_load, None, clock=clock)
    results: list[int | None] = []
    reader = threading.Thread(target=lambda: results.append(cache.get("a")))
    reader.start()
    assert started.wait(5)
    source.values["a"] = 2
    cache.forget(lambda key, _value: key == "a")
    release.set()
    reader.join(5)
    assert results == [1]  # the caller gets what was read ...
    assert cache.get("a") == 2  # ... but the next lookup reads again
    assert len(source.reads) == 2

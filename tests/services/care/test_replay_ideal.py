"""The ideal detector of a replay (hindsight on the detector's own clues): table-driven, plus a property that it
never raises on the silences it was built from."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maeul.services.care.replay import replay
from maeul.services.care.replay_ideal import LongestSilences

sys.path.insert(0, str(Path(__file__).resolve().parent))
from care_synthetic import stream

H = 3600.0
DAY = 86_400.0


def _table() -> LongestSilences:
    # two nights in bed, 23:00-07:00 and 23:30-08:00, and a kitchen silence of 1 h at 12:00; counted from day 0
    table = LongestSilences(counted_from=0.0)
    table.add("rest:bed", DAY - 1 * H, DAY + 7 * H)
    table.add("rest:bed", 2 * DAY - 0.5 * H, 2 * DAY + 8 * H)
    table.add("room:Kitchen", 2 * DAY + 12 * H, 2 * DAY + 13 * H)
    return table


@pytest.mark.parametrize(
    ("context", "silence_from_h", "t_h", "expected_h"),
    [
        # in bed since 23:00: at 07:00 the 8 h are longer than any night seen still going on at 07:00 (7.5 h)
        ("rest:bed", 23.0, 23.5, 7.5),
        ("rest:bed", 23.0, 3.0 + 24, 4.0),  # collapsed at 03:00 in the same night: the same 07:00
        ("rest:bed", 23.5, 23.5, 8.5),  # in bed since 23:30: like the longest night, raised at its end
        ("room:Kitchen", 12.0, 12.0, 1.0),  # the kitchen at noon: raised when the hour seen is over
        ("room:Kitchen", 15.0, 15.0, 0.0),  # the kitchen at 15:00: never silent then, raised at once
        ("rest:chair", 15.0, 15.0, 0.0),  # a context never seen: raised at once
    ],
)
def test_raised_past_the_longest_silence_seen_at_that_minute(
    context: str, silence_from_h: float, t_h: float, expected_h: float
) -> None:
    base = 10 * DAY
    found = _table().detect(context, base + silence_from_h * H, base + t_h * H, 48 * H, 60.0)
    assert found is not None and found == pytest.approx(expected_h * H)


def test_silences_before_the_counted_part_are_left_out() -> None:
    table = LongestSilences(counted_from=5 * DAY)
    table.add("room:Kitchen", 2 * DAY + 12 * H, 2 * DAY + 15 * H)  # during learning: not counted
    table.add("room:Kitchen", 6 * DAY + 12 * H, 6 * DAY + 12.5 * H)
    found = table.detect("room:Kitchen", 9 * DAY + 12 * H, 9 * DAY + 12 * H, 48 * H, 60.0)
    assert found == pytest.approx(0.5 * H)


def test_none_beyond_the_horizon() -> None:
    table = LongestSilences(counted_from=0.0)
    table.add("rest:bed", 0.0, 30 * H)  # a silence that covers every minute of the day
    assert table.detect("rest:bed", 2 * DAY, 2 * DAY, 2 * H, 60.0) is None


def test_built_from_signs_of_life_in_order() -> None:
    table = LongestSilences.of([(0.0, "room:Kitchen"), (600.0, "rest:bed"), (4000.0, "room:Bathroom")], 0.0)
    assert max(table.longest["room:Kitchen"]) == 600.0
    assert max(table.longest["rest:bed"]) == 3400.0
    assert "room:Bathroom" not in table.longest  # its silence has not ended


silences = st.lists(
    st.tuples(st.sampled_from(["rest:bed", "room:Kitchen"]), st.floats(0, 20 * DAY), st.floats(1, 2 * DAY)),
    min_size=1,
    max_size=12,
)


@given(silences, st.floats(0, 59))
def test_never_raised_on_a_silence_it_was_built_from(items: list[tuple[str, float, float]], offset: float) -> None:
    """The ideal detector has no false alarm on the real stream, whatever the tick's phase."""
    table = LongestSilences(counted_from=0.0)
    for context, start, length in items:
        table.add(context, start, start + length)
    for context, start, length in items:
        found = table.detect(context, start, start + offset, length - offset, 60.0)
        assert found is None


def test_the_ideal_lies_between_the_next_sign_of_life_and_the_detector() -> None:
    """On the synthetic home the routine is the same every day, so learning costs little: the ideal detector is no
    faster than the next real sign of life, and the learned detector no faster than the ideal one."""
    learned = replay(stream(12), inject=8, seed=3, tick_s=300).learned
    bound, ideal, mean = (
        learned["lower_bound_mean_time_to_detect_h"],
        learned["ideal_mean_time_to_detect_h"],
        learned["mean_time_to_detect_h"],
    )
    assert isinstance(bound, float) and isinstance(ideal, float) and isinstance(mean, float)
    assert bound <= ideal <= mean
    by_context = learned["by_context"]
    assert isinstance(by_context, dict)
    assert all("ideal_mean_time_to_detect_h" in v for v in by_context.values())

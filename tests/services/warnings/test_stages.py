"""The stage core: thresholds, rate of rise, forecast, hysteresis (table-driven, plus a no-flapping property)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maeul.services.warnings.core.kinds import KINDS, heat_index, stage_values
from maeul.services.warnings.core.stages import StageConfig, StationState, level_stage, run, step, trend

MIN = 60_000
CONFIG = StageConfig((2.5, 3.5, 4.5, 5.5), band=0.2, hold_s=900, rate_rules=((0.5, 1), (1.0, 2)))
FLAT = StageConfig((2.5, 3.5, 4.5, 5.5), band=0.2, hold_s=900)  # no rate rules


@pytest.mark.parametrize(
    ("value", "offset", "expected"),
    [(1.0, 0, 0), (2.5, 0, 1), (3.49, 0, 1), (3.5, 0, 2), (4.6, 0, 3), (9, 0, 4), (2.4, 0.2, 1), (2.2, 0.2, 0)],
)
def test_level_stage(value: float, offset: float, expected: int) -> None:
    assert level_stage(CONFIG.thresholds, value, offset) == expected


def series(values: list[float], every_min: int = 5) -> list[tuple[int, float]]:
    return [(i * every_min * MIN, v) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("config", "values", "stages", "reasons"),
    [
        # Steps after long plateaus: each threshold crossed gives the next stage.
        (FLAT, [2.4] * 8 + [2.6] * 8 + [3.6] * 8, [1, 2], ["threshold", "threshold"]),
        # Steady fast rise: the forecast raises the stage one step before the threshold is crossed.
        (FLAT, [1.0, 1.4, 1.8, 2.2, 2.6, 3.0, 3.4], [1, 2], ["forecast", "forecast"]),
        # The rate of rise alone (1.2 m/h) gives 주의 while the level is still low.
        (CONFIG, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [2], ["rate"]),
        # A jump straight to 심각.
        (FLAT, [1.0, 6.0], [4], ["threshold"]),
    ],
)
def test_rising(config: StageConfig, values: list[float], stages: list[int], reasons: list[str]) -> None:
    _state, changes = run(config, StationState(), series(values))
    assert [c.stage for c in changes] == stages
    assert [c.reason for c in changes] == reasons


def test_falling_needs_the_band_and_the_hold_time() -> None:
    state, _ = run(FLAT, StationState(), [(0, 3.0)])
    assert state.stage == 1
    # Just under the threshold but inside the band: stays 관심.
    state, changes = run(FLAT, state, [(m * MIN, 2.4) for m in range(1, 40)])
    assert state.stage == 1 and changes == []
    # Below the band, but only for 10 minutes: still 관심.
    state, changes = run(FLAT, state, [(m * MIN, 2.0) for m in range(40, 50)])
    assert state.stage == 1 and changes == []
    # After 15 minutes below the band it falls to 정상.
    state, changes = run(FLAT, state, [(m * MIN, 2.0) for m in range(50, 70)])
    assert state.stage == 0 and [c.reason for c in changes] == ["fallen"]
    assert changes[0].ts == 55 * MIN  # 40 + 15 minutes


def test_a_bounce_above_the_band_restarts_the_hold() -> None:
    state, _ = run(FLAT, StationState(), [(0, 3.0)])
    state, _ = run(FLAT, state, [(m * MIN, 2.0) for m in range(1, 11)])
    state, _ = run(FLAT, state, [(11 * MIN, 2.45)])  # back inside the band
    state, changes = run(FLAT, state, [(m * MIN, 2.0) for m in range(12, 26)])
    assert state.stage == 1 and changes == []


def test_stale_readings_are_ignored() -> None:
    state, _ = step(FLAT, StationState(), 10 * MIN, 3.0)
    same, assessment = step(FLAT, state, 5 * MIN, 9.0)
    assert same == state and assessment.reason == "stale"


@pytest.mark.parametrize(
    ("values", "rate", "forecast"),
    [
        ([1.0, 1.1, 1.2, 1.3, 1.4], 1.2, 2.0),  # 0.1 per 5 min: 1.2 m/h; in 30 min 1.4 + 0.6
        ([2.0, 2.0, 2.0, 2.0], 0.0, 2.0),
        ([1.0, 1.1, 9.0, 1.3, 1.4], 1.2, 2.0),  # one outlier does not move a Theil-Sen slope
    ],
)
def test_trend(values: list[float], rate: float, forecast: float) -> None:
    found = trend(tuple(series(values)), FLAT)
    assert found is not None
    assert found.rate_per_h == pytest.approx(rate, abs=1e-6)
    assert found.forecast == pytest.approx(forecast, abs=1e-6)


def test_no_trend_from_too_few_or_too_close_readings() -> None:
    assert trend(tuple(series([1.0, 2.0, 3.0])), FLAT) is None
    assert trend(tuple(series([1.0, 2.0, 3.0, 4.0], every_min=1)), FLAT) is None


@pytest.mark.parametrize(
    "bad",
    [
        {"thresholds": (1, 1, 2, 3), "band": 0.1},
        {"thresholds": (1, 2, 3), "band": 0.1},
        {"thresholds": (1, 2, 3, 4), "band": -1},
        {"thresholds": (1, 2, 3, 4), "band": 0, "horizon_s": 10},
        {"thresholds": (1, 2, 3, 4), "band": 0, "rate_rules": ((1.0, 7),)},
    ],
)
def test_bad_configs_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        StageConfig(**bad)  # type: ignore[arg-type]


def test_state_and_config_travel_through_json() -> None:
    state, _ = run(CONFIG, StationState(), series([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert StationState.from_json(state.to_json()) == state
    assert StageConfig.from_json(CONFIG.to_json()) == CONFIG


@settings(max_examples=60, deadline=None)
@given(
    level=st.floats(2.3, 5.7),
    noise=st.lists(st.floats(-0.09, 0.09), min_size=30, max_size=120),
)
def test_noise_inside_the_band_never_flaps(level: float, noise: list[float]) -> None:
    """Readings jittering around any level by less than the band: after the first decision, at most one
    fall, and never a rise right after a fall (no flapping)."""
    config = StageConfig((2.5, 3.5, 4.5, 5.5), band=0.2, hold_s=900)
    readings = [(i * MIN, level + n) for i, n in enumerate(noise)]
    _state, changes = run(config, StationState(), readings)
    directions = [c.stage > c.previous for c in changes]
    for earlier, later in itertools.pairwise(directions):
        assert not (earlier is False and later is True), [(c.ts, c.previous, c.stage) for c in changes]
    assert sum(1 for d in directions if not d) <= 1


@pytest.mark.parametrize(
    ("temperature", "humidity", "expected"),
    [(20.0, 50.0, 19.4), (32.0, 70.0, 40.6), (35.0, 40.0, 37.4)],
)
def test_heat_index(temperature: float, humidity: float, expected: float) -> None:
    assert heat_index(temperature, humidity) == pytest.approx(expected, abs=0.6)


def test_stage_values_derive_the_heat_index() -> None:
    assert stage_values(KINDS["heat"], {"temperature": 32.0, "humidity": 70.0}) == heat_index(32.0, 70.0)
    assert stage_values(KINDS["heat"], {"temperature": 32.0}) is None
    assert stage_values(KINDS["river_level"], {"water_level": 3.0}) == 3.0

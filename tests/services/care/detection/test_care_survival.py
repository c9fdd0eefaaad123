"""The survival threshold (false-alarm budget), resting places, and the bed or chair just left: table-driven on
a frozen clock, no servers."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from maeul.services.care.detection import ConfigError, Detector, Event, HomeConfig, local_seconds
from maeul.services.care.detection.routine import ContextStats, Routine

DAY = 86_400
HOUR = 3600
START = datetime(2026, 3, 2)  # a Monday


def at(day: int, hour: float) -> datetime:
    return START + timedelta(days=day, hours=hour)


def _t(dt: datetime) -> float:
    return local_seconds(dt)


# --- per-bin statistics -------------------------------------------------------------------------------------


def test_a_day_counts_once_per_bin_with_its_longest_value() -> None:
    stats = ContextStats.empty(48)
    for day, elapsed in [(0, 600.0), (0, 1800.0), (1, 1200.0)]:
        stats.add(5, day, elapsed)
    assert stats.count[5] == 2 and stats.longest[5] == 1800.0
    assert stats.total[5] == 3000.0 and stats.total_sq[5] == 1800.0**2 + 1200.0**2


@pytest.mark.parametrize(
    ("values", "prior", "expected"),
    [
        ([], 3600.0, 3600.0),  # nothing seen: the prior
        ([7200.0], 3600.0, math.sqrt(3600.0**2 / 2)),  # one day: no spread yet, half the prior's weight
        ([7200.0] * 9, 3600.0, math.sqrt(3600.0**2 / 10)),  # nine identical days: the prior fades
        ([0.0, 7200.0], 0.0, math.sqrt(2 * 3600.0**2 / 3)),  # a zero prior: the days' own spread, shrunk
    ],
)
def test_spread_is_shrunk_towards_the_prior(values: list[float], prior: float, expected: float) -> None:
    stats = ContextStats.empty(48)
    for day, v in enumerate(values):
        stats.add(0, day, v)
    assert stats.spread(0, prior) == pytest.approx(expected)


# --- the budget and the threshold ---------------------------------------------------------------------------


def _routine(days: int, per_day: int, cfg: HomeConfig) -> Routine:
    """``per_day`` one-hour silences a day in the kitchen, every day at the same hours."""
    routine = Routine()
    for day in range(days):
        for n in range(per_day):
            start = day * DAY + (8 + 2 * n) * HOUR
            routine.learn("room:Kitchen", start, start + HOUR, cfg)
    return routine


@pytest.mark.parametrize(
    ("days", "per_day", "budget", "alpha"),
    [(0, 0, 0.03, 0.03), (7, 1, 0.03, 0.03), (7, 6, 0.03, 0.005), (14, 3, 0.06, 0.02)],
)
def test_alpha_shares_the_budget_among_the_long_silences_of_a_day(
    days: int, per_day: int, budget: float, alpha: float
) -> None:
    cfg = HomeConfig(fa_budget_per_day=budget)
    routine = _routine(days, per_day, cfg)
    # the span runs from the first silence's start to the last one's end, a little under ``days`` days
    span = ((days - 1) * DAY + (8 + 2 * (per_day - 1)) * HOUR + HOUR - 8 * HOUR) / DAY if days else 0
    expected = budget / max(1.0, per_day * days / span) if span >= 1 else alpha
    assert routine.alpha(cfg) == pytest.approx(expected)
    if days >= 7:
        assert routine.alpha(cfg) == pytest.approx(alpha, rel=0.2)


@pytest.mark.parametrize(("days", "budget"), [(3, 0.03), (7, 0.03), (21, 0.03), (7, 0.01), (7, 0.1)])
def test_threshold_is_the_longest_seen_plus_the_tail_margin(days: int, budget: float) -> None:
    cfg = HomeConfig(fa_budget_per_day=budget)
    routine = _routine(days, 1, cfg)
    expectation = routine.expect("room:Kitchen", days * DAY + 8.9 * HOUR, cfg)
    # identical days: spread = prior (1 h) shrunk by k days; margin = spread × ln(1 / ((k + 1) α))
    spread = math.sqrt(HOUR**2 / (days + 1))
    margin = spread * max(0.0, math.log(1 / ((days + 1) * routine.alpha(cfg))))
    assert expectation.context == "room:Kitchen" and expectation.support == days
    assert expectation.threshold_s == pytest.approx(HOUR + margin)


def test_more_days_and_a_larger_budget_give_shorter_thresholds() -> None:
    def threshold(days: int, budget: float) -> float:
        cfg = HomeConfig(fa_budget_per_day=budget)
        return _routine(days, 1, cfg).expect("room:Kitchen", days * DAY + 8.9 * HOUR, cfg).threshold_s

    assert threshold(3, 0.03) > threshold(7, 0.03) > threshold(21, 0.03) > HOUR
    assert threshold(7, 0.01) > threshold(7, 0.03) > threshold(7, 0.1)


def test_the_first_method_is_still_there() -> None:
    cfg = HomeConfig(survival=False)
    routine = _routine(7, 1, cfg)
    expectation = routine.expect("room:Kitchen", 7 * DAY + 8.9 * HOUR, cfg)
    assert expectation.threshold_s == pytest.approx(HOUR * 2 + 1800)


@pytest.mark.parametrize("budget", [0, 1, -0.1, 2])
def test_a_budget_outside_zero_to_one_is_refused(budget: float) -> None:
    with pytest.raises(ConfigError) as error:
        HomeConfig.from_json({"fa_budget_per_day": budget})
    assert "fa_budget_per_day" in str(error.value) and "/" in str(error.value)


# --- resting places -----------------------------------------------------------------------------------------


def _home_day(day: int) -> list[Event]:
    """Bed 23:00 (day before) to 07:00; kitchen motion every 20 min by day; armchair 13:00-15:00; bed at 23:00."""
    out = [Event(at(day, 7), "bed", "Bedroom", "pressure", 0.0)]
    hour = 7.25
    while hour < 22.9:
        if not 13 <= hour < 15:
            out.append(Event(at(day, hour), "pir", "Kitchen", "motion", 1.0))
            out.append(Event(at(day, hour) + timedelta(minutes=1), "pir", "Kitchen", "motion", 0.0))
        hour += 1 / 3
    out.append(Event(at(day, 13), "chair", "Living", "pressure", 1.0))
    out.append(Event(at(day, 15), "chair", "Living", "pressure", 0.0))
    out.append(Event(at(day, 23), "bed", "Bedroom", "pressure", 1.0))
    return sorted(out, key=lambda e: (e.ts, e.value))


@pytest.fixture(scope="module")
def home() -> Detector:
    detector = Detector(HomeConfig())
    detector.observe(Event(at(0, 0), "bed", "Bedroom", "pressure", 1.0))
    for day in range(10):
        for e in _home_day(day):
            detector.observe(e)
    return detector


def _first_alert(detector: Detector, since: datetime, hours: float) -> float | None:
    t = _t(since)
    while t <= _t(since) + hours * HOUR:
        if detector.tick(t).person_alerts:
            return (t - _t(since)) / HOUR
        t += 300
    return None


@pytest.mark.parametrize(
    ("lie_down", "sensor", "room", "within_h", "not_before_h"),
    [
        (at(10, 9), "bed", "Bedroom", 3.0, 0.0),  # in bed at 09:00, never seen: judged by the day at home
        (at(10, 13), "chair", "Living", 5.5, 2.0),  # the usual nap in the chair: at least its usual length
        (at(10, 17), "chair", "Living", 3.0, 0.0),  # the chair at 17:00, never seen: not like the bed at night
    ],
)
def test_a_known_bed_or_chair_is_judged_by_its_own_hours(
    home: Detector, lie_down: datetime, sensor: str, room: str, within_h: float, not_before_h: float
) -> None:
    detector = Detector.from_json(home.to_json())
    for e in _home_day(10):
        if e.ts < lie_down:
            detector.observe(e)
    detector.observe(Event(lie_down, "pir", "Kitchen", "motion", 0.0))
    detector.observe(Event(lie_down, sensor, room, "pressure", 1.0))
    assert detector.context == f"rest:{sensor}"
    found = _first_alert(detector, lie_down, 24)
    assert found is not None and not_before_h <= found <= within_h


def test_a_night_in_bed_raises_nothing(home: Detector) -> None:
    detector = Detector.from_json(home.to_json())
    for e in _home_day(10):
        detector.observe(e)
    assert _first_alert(detector, at(10, 23), 7.9) is None


@pytest.mark.parametrize(
    ("after", "left", "context"),
    [
        ([Event(at(11, 2), "pir-bedroom", "Bedroom", "motion", 1.0)], "rest:bed", "room:Bedroom"),
        ([Event(at(11, 2), "pir", "Kitchen", "motion", 1.0)], None, "room:Kitchen"),  # left the bedroom
        ([Event(at(11, 2), "bed", "Bedroom", "pressure", 1.0)], None, "rest:bed"),  # back in bed
    ],
)
def test_the_bed_just_left_is_remembered_while_in_its_room(
    home: Detector, after: list[Event], left: str | None, context: str
) -> None:
    detector = Detector.from_json(home.to_json())
    for e in _home_day(10):
        detector.observe(e)
    detector.observe(Event(at(11, 1.9), "bed", "Bedroom", "pressure", 0.0))
    assert detector.left_rest == "rest:bed" and detector.context == "room:Bedroom"
    for e in after:
        detector.observe(e)
    assert detector.left_rest == left and detector.context == context
    assert Detector.from_json(detector.to_json()).left_rest == left


def test_up_at_night_and_still_in_the_bedroom_is_judged_like_the_night(home: Detector) -> None:
    """A pressure sensor can miss a person at its edge: nothing after getting up at 02:00 but staying in the
    bedroom is not raised before the usual end of the night, while the same silence in the kitchen is."""
    quiet = Detector.from_json(home.to_json())
    kitchen = Detector.from_json(home.to_json())
    for d in (quiet, kitchen):
        for e in _home_day(10):
            d.observe(e)
        d.observe(Event(at(11, 2), "bed", "Bedroom", "pressure", 0.0))
    quiet.observe(Event(at(11, 2.01), "pir-bedroom", "Bedroom", "motion", 1.0))
    kitchen.observe(Event(at(11, 2.01), "pir", "Kitchen", "motion", 1.0))
    assert _first_alert(quiet, at(11, 2.01), 5) is None
    assert _first_alert(kitchen, at(11, 2.01), 24) is not None


def test_state_from_before_the_survival_fields_still_loads(home: Detector) -> None:
    data = home.to_json()
    routine = data["routine"]
    assert isinstance(routine, dict)
    for name in ("long_silences", "first_s", "last_s"):
        routine.pop(name)
    for stats in routine["contexts"].values():
        for name in ("day_value", "total", "total_sq"):
            stats.pop(name)
    data.pop("left_rest")
    again = Detector.from_json(data)
    assert again.routine.long_silences == 0 and again.left_rest is None
    assert again.evaluate(_t(at(10, 12))).level in ("normal", "attention", "warning", "danger")

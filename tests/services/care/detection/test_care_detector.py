"""The detector, table-driven on a frozen clock: tiers, the learned routine, emergencies, environment, devices."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from maeul.services.care.detection import ConfigError, Detector, Event, HomeConfig, local_seconds

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from care_synthetic import at, day_events, stream

T0 = datetime(2026, 3, 2, 9, 0)


def _t(dt: datetime) -> float:
    return local_seconds(dt)


def _fed(events: list[Event], config: HomeConfig | None = None) -> Detector:
    detector = Detector(config or HomeConfig())
    for e in events:
        detector.observe(e)
    return detector


@pytest.mark.parametrize(
    ("hours", "level"),
    [(1, "normal"), (7.9, "normal"), (8, "attention"), (11.9, "attention"), (12, "warning"), (24, "danger")],
)
def test_fixed_tiers_before_the_routine_is_learned(hours: float, level: str) -> None:
    detector = _fed([Event(T0, "fridge", "Kitchen", "contact", 1)])
    status = detector.tick(_t(T0 + timedelta(hours=hours)))
    assert status.level == level
    if level != "normal":
        assert "09:00" in status.reason_en and "09:00" in status.reason_ko


def test_tiers_are_configurable_per_home() -> None:
    cfg = HomeConfig(attention_s=3600, warning_s=7200, danger_s=10800)
    detector = _fed([Event(T0, "fridge", "Kitchen", "contact", 1)], cfg)
    assert [detector.tick(_t(T0 + timedelta(hours=h))).level for h in (0.5, 1, 2, 3)] == [
        "normal",
        "attention",
        "warning",
        "danger",
    ]


@pytest.fixture(scope="module")
def learned() -> Detector:
    return _fed(stream(9))


@pytest.mark.parametrize(
    ("when", "level"),
    [
        (at(9, 3), "normal"),  # asleep: a night raises nothing
        (at(9, 6.9), "normal"),
    ],
)
def test_nights_raise_nothing(learned: Detector, when: datetime, level: str) -> None:
    detector = Detector.from_json(learned.to_json())
    assert detector.tick(_t(when)).level == level


def test_a_morning_without_getting_up_is_noticed_early(learned: Detector) -> None:
    detector = Detector.from_json(learned.to_json())
    first = None
    t = _t(at(9, 0))
    while t < _t(at(9, 23)):
        status = detector.tick(t)
        if status.person_alerts:
            first = t
            break
        t += 300
    assert first is not None
    assert _t(at(9, 7)) < first <= _t(at(9, 10))  # usually up at 07:00; well before the 8 h tier (07:00 + ...)
    assert "usually active again by" in status.reason_en and "평소" in status.reason_ko


def test_an_outing_is_away_not_an_alarm(learned: Detector) -> None:
    detector = Detector.from_json(learned.to_json())
    for e in day_events(9):
        if e.ts <= at(9, 14) + timedelta(minutes=1):
            detector.observe(e)
    status = detector.tick(_t(at(9, 15.5)))
    assert status.level == "away" and not status.person_alerts


def test_silence_in_the_kitchen_by_day_is_noticed_within_hours(learned: Detector) -> None:
    detector = Detector.from_json(learned.to_json())
    for e in day_events(9):
        if e.ts <= at(9, 10):
            detector.observe(e)
    assert detector.tick(_t(at(9, 10.5))).level == "normal"
    assert detector.tick(_t(at(9, 12))).person_alerts


def test_manual_away_mode_silences_inactivity(learned: Detector) -> None:
    detector = Detector.from_json(learned.to_json())
    detector.observe(Event(at(9, 0), "mode", "", "away_mode", 1))
    assert detector.tick(_t(at(10, 12))).level == "away"
    detector.observe(Event(at(10, 12), "mode", "", "away_mode", 0))
    assert detector.tick(_t(at(10, 12))).level != "away"


def test_the_alert_is_raised_once_per_silence_and_ends_with_a_sign_of_life() -> None:
    detector = _fed([Event(T0, "pir", "Kitchen", "motion", 1)])
    assert detector.tick(_t(T0 + timedelta(hours=9))).level == "attention"
    detector.observe(Event(T0 + timedelta(hours=9, minutes=1), "pir", "Kitchen", "motion", 0))
    assert detector.tick(_t(T0 + timedelta(hours=9, minutes=2))).level == "normal"


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (Event(T0, "btn", "Living", "button", 1), "button"),
        (Event(T0, "smoke1", "Kitchen", "smoke", 1), "smoke"),
        (Event(T0, "gas1", "Kitchen", "gas", 1), "gas"),
    ],
)
def test_immediate_events_are_danger(event: Event, code: str) -> None:
    detector = _fed([Event(T0 - timedelta(minutes=5), "pir", "Kitchen", "motion", 1), event])
    status = detector.tick(_t(T0))
    assert status.level == "danger"
    assert status.alerts[0].kind == "emergency" and status.alerts[0].code == code


@pytest.mark.parametrize(
    ("celsius", "hours", "code"),
    [(17.0, 1.9, None), (17.0, 2.0, "cold"), (20.0, 5, None), (27.5, 2.5, "heat"), (26.0, 3, None)],
)
def test_environment_needs_to_be_sustained(celsius: float, hours: float, code: str | None) -> None:
    events = [Event(T0 + timedelta(minutes=m), "t1", "Living", "temperature", celsius) for m in range(0, 300, 10)]
    events += [Event(T0 + timedelta(minutes=m), "pir", "Living", "motion", 1) for m in range(0, 300, 10)]
    events.sort(key=lambda e: e.ts)
    detector = _fed([e for e in events if e.ts <= T0 + timedelta(hours=hours)])
    codes = [a.code for a in detector.tick(_t(T0 + timedelta(hours=hours))).alerts if a.kind == "environment"]
    assert codes == ([] if code is None else [code])


@pytest.mark.parametrize(
    ("events", "later_h", "code"),
    [
        ([Event(T0, "t1", "Living", "temperature", 21)], 3, "offline"),
        ([Event(T0, "pir", "Kitchen", "battery", 12)], 0, "low_battery"),
        ([Event(T0, "pir", "Kitchen", "motion", 1)], 2, "stuck"),
    ],
)
def test_device_faults_are_their_own_kind(events: list[Event], later_h: float, code: str) -> None:
    detector = _fed([*events, Event(T0 + timedelta(hours=later_h), "pir2", "Bath", "motion", 0)])
    status = detector.tick(_t(T0 + timedelta(hours=later_h)))
    assert [a.code for a in status.device_alerts] == [code]
    assert not status.person_alerts
    assert status.level == "device_fault"


def test_state_round_trips_through_json(learned: Detector) -> None:
    data = learned.to_json()
    again = Detector.from_json(data)
    assert again.to_json() == data
    now = _t(at(9, 9))
    assert again.evaluate(now) == learned.evaluate(now)


def test_labels_are_never_seen() -> None:
    detector = _fed([Event(T0, "label", "", "label:away", 1)])
    assert detector.last_activity is None and not detector.sensors


@pytest.mark.parametrize(
    "data",
    [{"attention_s": 0}, {"warning_s": 10}, {"bogus": 1}, {"learned": 1}, {"bin_s": 7000}, [], {"cold_c": 30}],
)
def test_bad_config_is_refused_in_both_languages(data: object) -> None:
    with pytest.raises(ConfigError) as error:
        HomeConfig.from_json(data)
    assert "/" in str(error.value)


@pytest.mark.parametrize("data", [None, {}, {"v": 2}, {"v": 1, "sensors": []}])
def test_bad_state_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        Detector.from_json(data)


@pytest.mark.parametrize(
    ("events", "context"),
    [
        # sat down in the living room while the bathroom's motion sensor was still timing out
        (
            [
                Event(T0, "pir-bath", "Bathroom", "motion", 1),
                Event(T0 + timedelta(seconds=20), "seat", "Living", "pressure", 1),
                Event(T0 + timedelta(seconds=40), "pir-bath", "Bathroom", "motion", 0),
            ],
            "rest:seat",
        ),
        # went out; the hall's motion sensor turned off after the door closed
        (
            [
                Event(T0, "pir-hall", "Entrance", "motion", 1),
                Event(T0 + timedelta(seconds=5), "door", "Entrance", "door", 1),
                Event(T0 + timedelta(seconds=60), "pir-hall", "Entrance", "motion", 0),
            ],
            "out",
        ),
        # the microwave's cycle ended while the person was at the bathroom basin
        (
            [
                Event(T0, "microwave", "Kitchen", "power", 1),
                Event(T0 + timedelta(seconds=30), "basin", "Bathroom", "motion", 1),
                Event(T0 + timedelta(seconds=90), "microwave", "Kitchen", "power", 0),
            ],
            "room:Bathroom",
        ),
        # closing the fridge is the person's own act: they are in the kitchen
        (
            [
                Event(T0, "seat", "Living", "pressure", 1),
                Event(T0 + timedelta(seconds=30), "fridge", "Kitchen", "contact", 1),
                Event(T0 + timedelta(seconds=40), "fridge", "Kitchen", "contact", 0),
            ],
            "room:Kitchen",
        ),
        # the first event of all is a motion sensor turning off: its room is all there is to go by
        ([Event(T0, "pir-bath", "Bathroom", "motion", 0)], "room:Bathroom"),
    ],
)
def test_a_sensor_timing_out_does_not_move_the_person(events: list[Event], context: str) -> None:
    detector = _fed(events)
    assert detector.context == context
    assert detector.last_activity == _t(events[-1].ts)  # still a sign of life

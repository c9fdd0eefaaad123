"""Heat-wave days, table-driven on a frozen clock: indoor heat raised sooner and as a warning, compared with the
home's usual indoor temperature (median of its ordinary days); the flag as an event, a tick's newest value, and
through the detector's JSON state."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maeul.core.readings import Reading
from maeul.core.rules.evaluate import step
from maeul.core.rules.events import Raised, Tick
from maeul.core.rules.spec import Rule, parse_rule
from maeul.services.care.detection import ConfigError, Detector, Event, HomeConfig, local_seconds
from maeul.services.care.detection.climate import MIN_READINGS, Climate
from maeul.services.care.detection.rule_kind import KindCondition, register_rule_kinds

T0 = datetime(2026, 7, 20, 0, 0)  # a Monday in July, local time
SEOUL = ZoneInfo("Asia/Seoul")


def _temps(day: int, celsius: float, hours: range = range(24)) -> list[Event]:
    return [Event(T0 + timedelta(days=day, hours=h, minutes=2), "t1", "Living", "temperature", celsius) for h in hours]


def _heat_wave(day: int, hour: float, on: bool) -> Event:
    return Event(T0 + timedelta(days=day, hours=hour), "heat_wave", "", "heat_wave", 1.0 if on else 0.0)


def _fed(events: list[Event], config: HomeConfig | None = None) -> Detector:
    detector = Detector(config or HomeConfig())
    for e in sorted(events, key=lambda e: e.ts):
        detector.observe(e)
    return detector


def _hot_afternoon(day: int, minutes: int) -> list[Event]:
    """27.5 °C from 13:00 for ``minutes`` (a reading every 5 minutes), after a cool morning."""
    start = T0 + timedelta(days=day, hours=13)
    return [Event(start + timedelta(minutes=m), "t1", "Living", "temperature", 27.5) for m in range(0, minutes + 1, 5)]


@pytest.mark.parametrize(
    ("heat_wave", "minutes", "level"),
    [
        (False, 25, None),
        (False, 60, None),
        (False, 115, None),
        (False, 120, "attention"),  # an ordinary day: 2 h above 26 °C
        (True, 25, None),
        (True, 30, "warning"),  # a heat-wave day: half an hour, and a warning
        (True, 180, "warning"),
    ],
)
def test_heat_wave_day_raises_sooner_and_higher(heat_wave: bool, minutes: int, level: str | None) -> None:
    events = _temps(0, 24.0, range(13)) + _hot_afternoon(0, minutes)
    if heat_wave:
        events.append(_heat_wave(0, 11, True))
    detector = _fed(events)
    status = detector.tick(local_seconds(T0 + timedelta(hours=13, minutes=minutes)))
    heat = [a for a in status.alerts if a.code == "heat"]
    assert [a.level for a in heat] == ([level] if level else [])


@pytest.mark.parametrize(
    ("config", "minutes", "raised"),
    [({"heat_wave_hold_s": 3600}, 45, False), ({"heat_wave_hold_s": 3600}, 60, True), ({}, 30, True)],
)
def test_the_heat_wave_hold_is_a_setting(config: dict[str, int], minutes: int, raised: bool) -> None:
    detector = _fed([_heat_wave(0, 8, True), *_hot_afternoon(0, minutes)], HomeConfig.from_json(config))
    status = detector.evaluate(local_seconds(T0 + timedelta(hours=13, minutes=minutes)))
    assert any(a.code == "heat" for a in status.alerts) is raised


def test_the_reason_compares_with_the_homes_usual_temperature() -> None:
    history = [e for day, c in enumerate((23.0, 24.0, 25.0, 24.5)) for e in _temps(day, c)]
    detector = _fed([*history, _heat_wave(4, 9, True), *_temps(4, 24.0, range(13)), *_hot_afternoon(4, 40)])
    assert detector.climate.usual() == 24.2  # median of 23, 24, 24.5, 25
    status = detector.tick(local_seconds(T0 + timedelta(days=4, hours=13, minutes=40)))
    assert status.level == "warning"
    assert "heat-wave day" in status.reason_en and "폭염" in status.reason_ko
    assert "usual 24.2 °C" in status.reason_en and "+3.3 °C" in status.reason_en and "4 days" in status.reason_en
    assert "평소 실내 24.2°C" in status.reason_ko and "+3.3°C" in status.reason_ko and "13:00" in status.reason_ko


def test_without_history_the_reason_says_the_usual_temperature_is_not_known() -> None:
    detector = _fed([_heat_wave(0, 9, True), *_hot_afternoon(0, 40)])
    status = detector.tick(local_seconds(T0 + timedelta(hours=13, minutes=40)))
    assert status.level == "warning" and "not known yet" in status.reason_en and "아직 모름" in status.reason_ko


def test_the_heat_wave_ending_brings_back_the_ordinary_limits() -> None:
    detector = _fed([_heat_wave(0, 9, True), *_hot_afternoon(0, 60), _heat_wave(0, 14, False)])
    status = detector.evaluate(local_seconds(T0 + timedelta(hours=14, minutes=1)))
    assert not any(a.code == "heat" for a in status.alerts)  # 61 min above 26 °C: not yet on an ordinary day
    status = detector.evaluate(local_seconds(T0 + timedelta(hours=15)))
    assert [a.level for a in status.alerts if a.code == "heat"] == ["attention"]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([(23.0, 24, False), (24.0, 24, False)], None),  # two days: not enough to say what is usual
        ([(23.0, 24, False), (24.0, 24, False), (25.0, 24, False)], 24.0),
        ([(23.0, 24, False), (24.0, 24, False), (25.0, 24, False), (30.0, 24, True)], 24.0),  # heat-wave day left out
        ([(23.0, 24, False), (24.0, 24, False), (25.0, MIN_READINGS - 1, False), (22.0, 24, False)], 23.0),  # too few
        ([(20.0, 24, False), (21.0, 24, False), (26.0, 24, False), (27.0, 24, False), (28.0, 24, False)], 27.0),
    ],
)
def test_usual_temperature_is_the_median_of_ordinary_days(
    days: list[tuple[float, int, bool]], expected: float | None
) -> None:
    climate = Climate()
    keep = 3  # the last three ordinary days
    for day, (celsius, readings, heat_wave) in enumerate(days):
        base = day * 86_400
        if heat_wave:
            climate.set_heat_wave(base + 60, True, keep)
        for hour in range(readings):
            climate.temperature(base + hour * 3600 + 120, celsius, keep)
        if heat_wave:
            climate.set_heat_wave(base + 80_000, False, keep)
    climate.temperature(len(days) * 86_400 + 120, 21.0, keep)  # the next day closes the last one
    assert climate.usual() == expected


def test_climate_survives_the_detectors_json_and_old_states_load() -> None:
    history = [e for day in range(3) for e in _temps(day, 24.0)]
    detector = _fed([*history, _heat_wave(3, 9, True), *_temps(3, 26.5, range(10))])
    again = Detector.from_json(detector.to_json())
    assert again.climate == detector.climate and again.climate.heat_wave and again.climate.usual() == 24.0
    old = detector.to_json()
    del old["climate"]  # written before heat-wave days existed
    assert Detector.from_json(old).climate == Climate()
    with pytest.raises(ValueError):
        Detector.from_json({**detector.to_json(), "climate": {"daily": ["warm"]}})


@pytest.mark.parametrize("bad", [{"heat_wave_hold_s": 0}, {"usual_days": 0}, {"heat_wave_hold_s": 1.5}])
def test_bad_heat_wave_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        HomeConfig.from_json(bad)


def _ms(hour: int, minute: int = 0) -> int:
    return int(datetime(2026, 7, 20, hour, minute, tzinfo=SEOUL).timestamp() * 1000)


def _rule(level: str) -> Rule:
    register_rule_kinds()
    condition = {"kind": "care.environment", "level": level}
    return parse_rule(
        {"id": "e", "name": "heat", "alarm_type": "care_environment", "severity": "major", "condition": condition}
    )


@pytest.mark.parametrize("through", ["reading", "tick"])
def test_the_rule_reads_the_heat_wave_key_from_readings_and_from_ticks(through: str) -> None:
    rule = _rule("warning")
    readings = [Reading("temperature", _ms(13, m), 27.5) for m in range(0, 50, 10)]
    flag = Reading("heat_wave", _ms(12), 1.0)
    state, first = step(rule, None, [flag, *readings] if through == "reading" else readings, _ms(13, 40))
    assert first != [] if through == "reading" else first == []  # an ordinary day: not yet after 40 min
    tick = Tick(_ms(13, 45), _ms(13, 40), {"heat_wave": flag} if through == "tick" else {})
    _, second = step(rule, state, tick, _ms(13, 45))
    raised = [t for t in [*first, *second] if isinstance(t, Raised)]
    assert len(raised) == 1 and raised[0].details["values"]["status"] == "warning"
    assert "heat-wave day" in str(raised[0].details["en"]) and "폭염" in str(raised[0].details["ko"])


def test_settings_added_later_leave_stored_conditions_as_they_were() -> None:
    before = {f.name for f in fields(HomeConfig)} - {"heat_wave_hold_s", "usual_days"}
    default = KindCondition("care.environment", "attention", "Asia/Seoul", HomeConfig())
    config = default.to_json()["config"]
    assert isinstance(config, dict) and set(config) == before  # the same condition (fingerprint, state) as before
    changed = KindCondition("care.environment", "attention", "Asia/Seoul", HomeConfig(heat_wave_hold_s=600))
    config = changed.to_json()["config"]
    assert isinstance(config, dict) and set(config) == before | {"heat_wave_hold_s"}
    assert config["heat_wave_hold_s"] == 600

"""Vitals against the resident's ranges: one reading out of range is held, a second confirms it, a critical one
raises at once, the quiet hours hold a confirmed non-critical alert until morning; frozen clock."""

from __future__ import annotations

import orjson
import pytest

from maeul.services.care.detection.config import ConfigError
from maeul.services.care.detection.events import DAY_S
from maeul.services.care.detection.medication import parse_hhmm
from maeul.services.care.detection.vitals import Vitals, VitalsConfig

DAY0 = 20_000
CFG = VitalsConfig()


def at(hhmm: str, day: int = 0) -> float:
    return float((DAY0 + day) * DAY_S + parse_hhmm(hhmm))


BP_OK = {"systolic": 130.0, "diastolic": 80.0}
BP_HIGH = {"systolic": 168.0, "diastolic": 92.0}
BP_CRISIS = {"systolic": 190.0, "diastolic": 124.0}
LOW_SUGAR = {"glucose": 62.0}
HYPO = {"glucose": 48.0}


@pytest.mark.parametrize(
    ("name", "readings", "now", "expected"),
    [
        ("one high reading is held", [("09:00", BP_HIGH)], "09:30", []),
        ("a second high reading confirms", [("09:00", BP_HIGH), ("09:20", BP_HIGH)], "09:21", [("bp", False)]),
        ("a normal reading in between clears", [("09:00", BP_HIGH), ("09:10", BP_OK), ("09:20", BP_HIGH)], "09:21", []),
        ("the repeat comes too late", [("08:00", BP_HIGH), ("13:00", BP_HIGH)], "13:01", []),
        ("crisis raises at once", [("09:00", BP_CRISIS)], "09:00", [("bp", True)]),
        ("crisis at 3 am pages at once", [("03:00", BP_CRISIS)], "03:01", [("bp", True)]),
        ("a confirmed low glucose at 3 am waits for 07:00", [("03:00", LOW_SUGAR), ("03:30", LOW_SUGAR)], "06:59", []),
        ("... and is raised at 07:00", [("03:00", LOW_SUGAR), ("03:30", LOW_SUGAR)], "07:00", [("glucose", False)]),
        ("level 2 hypoglycaemia is critical", [("03:00", HYPO)], "03:00", [("glucose", True)]),
        (
            "measures are apart",
            [("09:00", BP_HIGH), ("09:05", LOW_SUGAR), ("09:10", BP_HIGH)],
            "09:11",
            [("bp", False)],
        ),
        ("back in range ends it", [("09:00", BP_CRISIS), ("09:30", BP_OK)], "09:31", []),
        ("an alert without new readings expires", [("09:00", BP_CRISIS)], "09:00+1", []),
    ],
)
def test_vitals(
    name: str, readings: list[tuple[str, dict[str, float]]], now: str, expected: list[tuple[str, bool]]
) -> None:
    vitals = Vitals()
    for hhmm, values in readings:
        vitals.observe(at(hhmm), values, CFG)
    clock, _, days = now.partition("+")
    alerts = vitals.active(at(clock, int(days or 0)), CFG)
    assert [(a.measure, a.critical) for a in alerts] == expected, name


def test_reasons_name_the_values_in_korean_and_english() -> None:
    vitals = Vitals()
    vitals.observe(at("09:00"), BP_HIGH, CFG)
    vitals.observe(at("09:20"), BP_HIGH, CFG)
    (alert,) = vitals.active(at("09:21"), CFG)
    assert "168/92 mmHg" in alert.reason_ko and "혈압" in alert.reason_ko
    assert "168/92 mmHg" in alert.reason_en and "09:00" in alert.reason_en and "09:20" in alert.reason_en
    assert alert.since == at("09:00")


def test_the_residents_own_range_decides() -> None:
    cfg = VitalsConfig(systolic_high=175, systolic_critical_high=200)  # set by the caseworker with the doctor
    vitals = Vitals()
    for hhmm in ("09:00", "09:20"):
        vitals.observe(at(hhmm), BP_HIGH, cfg)
    assert vitals.active(at("09:21"), cfg) == []
    vitals.observe(at("09:30"), {"systolic": 190.0, "diastolic": 95.0}, cfg)  # out of range, not critical: held
    assert vitals.active(at("09:31"), cfg) == []


def test_state_round_trips_through_json() -> None:
    vitals = Vitals()
    vitals.observe(at("09:00"), BP_HIGH, CFG)
    vitals.observe(at("09:05"), HYPO, CFG)
    assert Vitals.from_json(orjson.loads(orjson.dumps(vitals.to_json()))) == vitals


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ({"systolic_low": 170}, "systolic"),
        ({"glucose_critical_low": 80}, "glucose"),
        ({"quiet_from": "late"}, "HH:MM"),
        ({"confirm_s": 0}, "positive"),
        ({"confirm_s": 1.5}, "wrong type"),
        ({"critical_level": "panic"}, "one of"),
        ({"pulse_high": 100}, "unknown"),
    ],
)
def test_bad_settings_are_named_in_korean_and_english(data: object, word: str) -> None:
    with pytest.raises(ConfigError) as error:
        VitalsConfig.from_json(data)
    assert word in str(error.value) and " / " in str(error.value)

"""The demo's emergency button presses (pure, seeded): rare, by day, after the demo's start; the hub's readings carry
them (not while the resident lies still), and the detection's emergency rule raises each at once as danger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maeul.core.readings import Reading
from maeul.core.rules.evaluate import step
from maeul.core.rules.events import Raised
from maeul.core.rules.spec import parse_rule
from maeul.services.care.demo_sim import FIRST_PRESS_MS, KST_S, SimHome, button_presses, readings_between
from maeul.services.care.detection.rule_kind import register_rule_kinds

HOUR = 3_600_000
START = int(datetime(2026, 7, 20, 1, 0, tzinfo=UTC).timestamp() * 1000)  # 10:00 in Korea


def _kst_hour(ts: int) -> float:
    return ((ts // 1000 + KST_S) % 86_400) / 3600


@pytest.mark.parametrize(("hours", "low", "high"), [(0.5, 0, 0), (2, 0, 1), (24, 2, 5), (24 * 7, 18, 34)])
def test_presses_are_rare_and_by_day(hours: float, low: int, high: int) -> None:
    presses = button_presses(START, START + int(hours * HOUR), 30, seed=11)
    times = sorted(t for ts in presses.values() for t in ts)
    assert low <= len([t for t in times if t < START + hours * HOUR]) <= high
    assert all(t >= START + FIRST_PRESS_MS and 7 <= _kst_hour(t) < 22 for t in times)
    assert all(0 <= home < 30 for home in presses)
    assert presses == button_presses(START, START + int(hours * HOUR), 30, seed=11)  # seeded


def test_none_before_the_demo_starts() -> None:
    assert button_presses(START, START, 30, seed=11) == {} and button_presses(START, START + HOUR, 0, seed=1) == {}


def test_the_hub_sends_the_press_unless_the_resident_lies_still() -> None:
    press = START + 2 * HOUR
    readings = readings_between(SimHome(5), START, START + 4 * HOUR, presses=[press])
    buttons = [(ts, values["button"]) for ts, values in readings if "button" in values]
    assert buttons == [(press, 1.0), (press + 30_000, 0.0)]
    lying = readings_between(SimHome(5), START, START + 4 * HOUR, [(START + HOUR, START + 3 * HOUR)], [press])
    assert not any("button" in values for _, values in lying)


def test_a_press_is_raised_at_once_as_danger() -> None:
    register_rule_kinds()
    rule = parse_rule(
        {
            "id": "e",
            "name": "care emergency",
            "alarm_type": "care_emergency",
            "severity": "critical",
            "condition": {"kind": "care.emergency"},
        }
    )
    press = START + 2 * HOUR
    readings = readings_between(SimHome(5), START, press + HOUR, presses=[press])
    flat = [Reading(key, ts, value) for ts, values in readings for key, value in values.items()]
    _, out = step(rule, None, flat, press + HOUR)
    raised = [t for t in out if isinstance(t, Raised)]
    assert len(raised) == 1 and raised[0].start_ts == press
    assert raised[0].details["values"]["status"] == "danger" and "emergency button" in str(raised[0].details["en"])

"""The pill box and vitals routines as rule kinds, through the platform's rule engine; state through JSON."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import orjson
import pytest

from maeul.core.readings import Reading
from maeul.core.rules.evaluate import step
from maeul.core.rules.events import Cleared, Raised, Tick
from maeul.core.rules.fields import RuleSpecError
from maeul.core.rules.registry import registered_kinds
from maeul.core.rules.spec import parse_rule
from maeul.core.rules.state import RuleState
from maeul.services.care.detection.rule_kind import register_rule_kinds

SEOUL = ZoneInfo("Asia/Seoul")


def _ms(hour: int, minute: int = 0, day: int = 2) -> int:
    return int(datetime(2026, 3, day, hour, minute, tzinfo=SEOUL).timestamp() * 1000)


def _rule(condition: dict[str, object]):  # type: ignore[no-untyped-def]
    register_rule_kinds()
    return parse_rule({"id": "r", "name": "care", "alarm_type": "care", "severity": "major", "condition": condition})


def _through_json(state: RuleState) -> RuleState:
    return RuleState.from_json(orjson.loads(orjson.dumps(state.to_json())))


def test_registered_beside_the_other_care_kinds() -> None:
    register_rule_kinds()
    assert {"care.inactivity", "care.medication", "care.vitals"} <= set(registered_kinds())


def test_medication_rule_raises_a_missed_dose_once_and_clears_when_the_box_is_opened() -> None:
    rule = _rule({"kind": "care.medication", "config": {"times": ["08:00"]}})
    state, out = step(rule, None, [Reading("battery_pillbox", _ms(5), 90.0)], _ms(5))
    assert out == []
    state, out = step(rule, _through_json(state), Tick(_ms(9, 29)), _ms(9, 29))
    assert out == []
    state, out = step(rule, _through_json(state), Tick(_ms(9, 31)), _ms(9, 31))
    assert len(out) == 1 and isinstance(out[0], Raised) and out[0].start_ts == _ms(9, 30)
    assert "08:00" in str(out[0].details["ko"]) and out[0].details["values"]["status"] == "attention"  # type: ignore[index]
    state, out = step(rule, _through_json(state), Tick(_ms(10)), _ms(10))
    assert out == []  # raised once
    state, out = step(rule, _through_json(state), [Reading("pillbox", _ms(10, 5), 1.0)], _ms(10, 5))
    assert len(out) == 1 and isinstance(out[0], Cleared)


def test_vitals_rule_confirms_and_critical_levels() -> None:
    attention = _rule({"kind": "care.vitals"})
    urgent = _rule({"kind": "care.vitals", "level": "warning"})
    high = [Reading("systolic", _ms(9), 170.0), Reading("diastolic", _ms(9), 95.0)]
    state, out = step(attention, None, high, _ms(9))
    assert out == []
    again = [Reading("systolic", _ms(9, 15), 172.0), Reading("diastolic", _ms(9, 15), 96.0)]
    state, out = step(attention, _through_json(state), again, _ms(9, 15))
    assert len(out) == 1 and isinstance(out[0], Raised) and out[0].start_ts == _ms(9)
    _, out = step(urgent, None, [*high, *again], _ms(9, 15))
    assert out == []  # confirmed but not critical: not for the warning rule
    _, out = step(urgent, None, [Reading("glucose", _ms(3), 45.0)], _ms(3))
    assert len(out) == 1 and isinstance(out[0], Raised) and out[0].details["values"]["status"] == "warning"  # type: ignore[index]


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        ({"kind": "care.medication", "config": {"times": ["8"]}}, "condition.config"),
        ({"kind": "care.vitals", "config": {"glucose_low": 500}}, "condition.config"),
        ({"kind": "care.vitals", "level": "panic"}, "condition.level"),
        ({"kind": "care.medication", "level": "warning"}, "condition"),
    ],
)
def test_bad_routine_conditions_name_their_field(condition: dict[str, object], path: str) -> None:
    with pytest.raises(RuleSpecError) as error:
        _rule(condition)
    assert error.value.path.startswith(path)

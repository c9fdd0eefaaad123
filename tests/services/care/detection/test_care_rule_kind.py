"""Care detection as rule kinds: parsed, evaluated by the platform's rule engine, state through JSON."""

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


def test_registration_is_idempotent() -> None:
    register_rule_kinds()
    register_rule_kinds()
    assert {"care.inactivity", "care.emergency", "care.environment", "care.device"} <= set(registered_kinds())


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        ({"kind": "care.inactivity", "level": "panic"}, "condition.level"),
        ({"kind": "care.inactivity", "timezone": "Mars/Base"}, "condition.timezone"),
        ({"kind": "care.inactivity", "config": {"attention_s": -1}}, "condition.config"),
        ({"kind": "care.inactivity", "typo": 1}, "condition"),
    ],
)
def test_bad_conditions_name_their_field(condition: dict[str, object], path: str) -> None:
    with pytest.raises(RuleSpecError) as error:
        _rule(condition)
    assert error.value.path.startswith(path)


def _through_json(state: RuleState) -> RuleState:
    return RuleState.from_json(orjson.loads(orjson.dumps(state.to_json())))


def test_inactivity_rule_raises_at_the_fixed_tier_and_clears_on_movement() -> None:
    rule = _rule({"kind": "care.inactivity", "config": {"attention_s": 3600, "warning_s": 7200, "danger_s": 9000}})
    state, out = step(rule, None, [Reading("motion_kitchen", _ms(9), 1.0)], _ms(9))
    assert out == []
    state, out = step(rule, _through_json(state), Tick(_ms(9, 30)), _ms(9, 30))
    assert out == []
    state, out = step(rule, _through_json(state), Tick(_ms(10, 5)), _ms(10, 5))
    assert len(out) == 1 and isinstance(out[0], Raised) and out[0].start_ts == _ms(10)
    assert "09:00" in str(out[0].details["en"]) and "09:00" in str(out[0].details["ko"])
    state, out = step(rule, _through_json(state), [Reading("motion_kitchen", _ms(10, 10), 0.0)], _ms(10, 10))
    assert len(out) == 1 and isinstance(out[0], Cleared)


def test_emergency_button_rule() -> None:
    rule = _rule({"kind": "care.emergency"})
    _, out = step(rule, None, [Reading("button", _ms(9), 1.0)], _ms(9))
    assert len(out) == 1 and isinstance(out[0], Raised)


def test_device_rule_is_apart_from_the_person() -> None:
    device = _rule({"kind": "care.device"})
    person = _rule({"kind": "care.inactivity"})
    readings = [Reading("battery_pir", _ms(9), 5.0), Reading("motion_kitchen", _ms(9), 1.0)]
    _, out = step(device, None, readings, _ms(9))
    assert len(out) == 1 and isinstance(out[0], Raised)
    _, out = step(person, None, readings, _ms(9))
    assert out == []

"""The pure rules: status decisions, the workflow's order, access, report arithmetic (table-driven)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maeul.core.roles import Role
from maeul.services.care.core.access import may_see_personal
from maeul.services.care.core.reports import AlarmRow, ResponseRow, alert_kind, evaluate
from maeul.services.care.core.rollout import DistrictPlan, Phase, summary
from maeul.services.care.core.status import HOUR_MS, ActiveAlarm, HomeFacts, Status, classify, decide
from maeul.services.care.core.workflow import Stage, WorkflowError, check_close, next_stage, suggested_next

NOW = 1_795_000_000_000


@pytest.mark.parametrize(
    ("alarm_type", "severity", "details", "expected"),
    [
        ("care_emergency_button", "critical", {}, Status.DANGER),
        ("care_smoke", "critical", {}, Status.DANGER),
        ("care_gas", "major", {}, Status.DANGER),
        ("care_device_offline", "critical", {}, Status.DEVICE_FAULT),
        ("low_battery", "minor", {}, Status.DEVICE_FAULT),
        ("care_inactivity", "major", {}, Status.WARNING),
        ("care_inactivity", "minor", {}, Status.ATTENTION),
        ("care_inactivity", "critical", {}, Status.DANGER),
        ("anything", "warning", {"care_status": "away"}, Status.AWAY),
        ("anything", "warning", {"care_status": "bogus"}, Status.ATTENTION),
        ("care_inactivity", "major", {"en": "x", "ko": "y", "values": {"status": "attention"}}, Status.ATTENTION),
        ("care_inactivity", "minor", {"values": {"status": "danger"}}, Status.DANGER),
        ("care_inactivity", "major", {"values": {"status": "normal"}}, Status.WARNING),
    ],
)
def test_classify(alarm_type: str, severity: str, details: dict[str, object], expected: Status) -> None:
    assert classify(alarm_type, severity, details) is expected


@pytest.mark.parametrize(
    ("idle_h", "expected"),
    [(1, Status.NORMAL), (7.9, Status.NORMAL), (8, Status.ATTENTION), (12.5, Status.WARNING), (30, Status.DANGER)],
)
def test_fixed_tiers(idle_h: float, expected: Status) -> None:
    verdict = decide(HomeFacts(now=NOW, last_motion_ts=NOW - int(idle_h * HOUR_MS)))
    assert verdict.status is expected
    if expected is not Status.NORMAL:
        assert "움직임 없음" in verdict.reason_ko and "no movement since" in verdict.reason_en


def test_away_hides_inactivity_but_not_alarms() -> None:
    idle = HomeFacts(now=NOW, last_motion_ts=NOW - 30 * HOUR_MS, away_until=NOW + HOUR_MS)
    assert decide(idle).status is Status.AWAY
    button = ActiveAlarm(7, "care_emergency_button", "critical", NOW - 60_000, {})
    verdict = decide(HomeFacts(now=NOW, alarms=[button], away_until=NOW + HOUR_MS))
    assert verdict.status is Status.DANGER and verdict.alarm_id == 7
    assert "응급 호출" in verdict.reason_ko


def test_device_fault_never_outranks_the_person() -> None:
    facts = HomeFacts(now=NOW, last_motion_ts=NOW - 9 * HOUR_MS, silent_devices=[("H001-door", NOW - 5 * HOUR_MS)])
    assert decide(facts).status is Status.ATTENTION
    only_device = HomeFacts(now=NOW, last_motion_ts=NOW - HOUR_MS, silent_devices=[("H001-door", None)])
    verdict = decide(only_device)
    assert verdict.status is Status.DEVICE_FAULT and "H001-door" in verdict.reason_en


def test_alarm_reason_from_details() -> None:
    alarm = ActiveAlarm(1, "care_inactivity", "major", NOW, {"reason_ko": "09:12 이후 움직임 없음", "reason_en": "x"})
    assert decide(HomeFacts(now=NOW, alarms=[alarm])).reason_ko == "09:12 이후 움직임 없음"
    described = ActiveAlarm(
        2, "care_inactivity", "major", NOW, {"en": "no movement", "ko": "움직임 없음", "values": {}}
    )
    verdict = decide(HomeFacts(now=NOW, alarms=[described]))
    assert (verdict.reason_ko, verdict.reason_en) == ("움직임 없음", "no movement")


@pytest.mark.parametrize(
    ("current", "step", "outcome", "ok"),
    [
        (Stage.OPEN, Stage.PHONE_CHECK, "no_answer", True),
        (Stage.OPEN, Stage.VISIT, "found_ok", True),
        (Stage.PHONE_CHECK, Stage.PHONE_CHECK, "reached_ok", True),
        (Stage.VISIT, Stage.PHONE_CHECK, "reached_ok", False),
        (Stage.VISIT, Stage.EMERGENCY, "dispatched", True),
        (Stage.OPEN, Stage.PHONE_CHECK, "found_ok", False),
        (Stage.CLOSED, Stage.VISIT, "found_ok", False),
    ],
)
def test_workflow_order(current: Stage, step: Stage, outcome: str, ok: bool) -> None:
    if ok:
        assert next_stage(current, step, outcome) is step
    else:
        with pytest.raises(WorkflowError) as info:
            next_stage(current, step, outcome)
        assert info.value.ko


def test_suggestions_and_closing() -> None:
    assert suggested_next(Stage.OPEN, None) is Stage.PHONE_CHECK
    assert suggested_next(Stage.PHONE_CHECK, "no_answer") is Stage.VISIT
    assert suggested_next(Stage.VISIT, "not_home") is Stage.EMERGENCY
    assert suggested_next(Stage.PHONE_CHECK, "reached_ok") is None
    check_close("confirmed", None)
    check_close("false_alarm", "device_fault")
    for resolution, reason in (("false_alarm", None), ("false_alarm", "bored"), ("confirmed", "test"), ("x", None)):
        with pytest.raises(WorkflowError):
            check_close(resolution, reason)


def test_access() -> None:
    assert may_see_personal(Role.ADMIN, "1", set())
    assert may_see_personal(Role.CASEWORKER, "1", {"1"})
    assert not may_see_personal(Role.CASEWORKER, "2", {"1"})
    assert not may_see_personal(Role.OPERATOR, "1", {"1"})
    assert not may_see_personal(Role.VIEWER, "1", {"1"})


def test_evaluation_arithmetic() -> None:
    alarms = [AlarmRow("care_emergency_button", NOW), AlarmRow("care_inactivity", NOW), AlarmRow("care_device_x", NOW)]
    responses = [
        ResponseRow(NOW, NOW + 10 * 60_000, NOW + 60 * 60_000, "confirmed", None),
        ResponseRow(NOW, NOW + 20 * 60_000, NOW + 30 * 60_000, "false_alarm", "over_sensitive"),
        ResponseRow(NOW, None, None, None, None),
    ]
    ev = evaluate(NOW, NOW + 10 * 24 * HOUR_MS, 2, alarms, responses, {1: 1.0, 2: 0.5})
    assert ev.alerts_by_kind["immediate"] == 1 and ev.alerts_by_kind["inactivity"] == 1
    assert ev.alerts_by_kind["device"] == 1
    assert ev.false_alarm_share == 0.5 and ev.false_reasons == {"over_sensitive": 1}
    assert ev.response_minutes_mean == 15 and ev.close_minutes_median == 45
    assert ev.uptime_mean == 0.75 and ev.uptime_min == 0.5
    assert ev.alerts_per_home_day == pytest.approx(3 / 20)
    assert dict(ev.rows())["false_alarm_share"] == "0.500"


@given(st.text(max_size=40))
def test_alert_kind_is_total(alarm_type: str) -> None:
    assert alert_kind(alarm_type) in ("immediate", "inactivity", "environment", "routine", "device", "other")


def test_rollout_summary() -> None:
    plans = [
        DistrictPlan("1", "a", Phase.PILOT, 10, 5, None),
        DistrictPlan("2", "b", Phase.PLANNED, 0, 0, None),
        DistrictPlan("3", "c", Phase.EXPANSION, 4, 8, None),
    ]
    assert plans[0].coverage == 0.5 and plans[1].coverage is None and plans[2].coverage == 1.0
    total = summary(plans)
    assert total["planned_homes"] == 14 and total["enrolled_homes"] == 13 and total["by_phase"]["pilot"] == 1

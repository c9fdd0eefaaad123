"""Escalation policies: which one applies, which steps are due; recipients and their channels."""

from __future__ import annotations

import pytest

from maeul.core.alarms import Severity
from maeul.core.notify.escalation import due_steps, next_due_at, select_policy
from maeul.core.notify.model import Directory, Member, Person, Policy, Route, Step
from maeul.core.notify.recipients import expand, routes

T0 = 1_800_000_000_000
MIN = 60_000
STEPS = (Step(0, assignee=True), Step(900, roles=("operator",)), Step(1800, contacts=(9,)))


def policy(pid: int, alarm_type: str = "*", min_severity: Severity = Severity.WARNING, enabled: bool = True) -> Policy:
    return Policy(pid, alarm_type, min_severity, STEPS, enabled)


@pytest.mark.parametrize(
    ("policies", "alarm_type", "severity", "expected"),
    [
        ([policy(1)], "fall", Severity.MINOR, 1),
        ([policy(1, "cold")], "fall", Severity.CRITICAL, None),
        ([policy(1), policy(2, "fall")], "fall", Severity.MINOR, 2),
        ([policy(1, min_severity=Severity.MAJOR)], "fall", Severity.MINOR, None),
        ([policy(1, min_severity=Severity.MAJOR)], "fall", Severity.CRITICAL, 1),
        ([policy(1), policy(2, min_severity=Severity.CRITICAL)], "fall", Severity.CRITICAL, 2),
        ([policy(3), policy(2)], "fall", Severity.MINOR, 2),
        ([policy(1, enabled=False)], "fall", Severity.CRITICAL, None),
        ([Policy(1, "*", Severity.WARNING, ())], "fall", Severity.CRITICAL, None),
        ([], "fall", Severity.CRITICAL, None),
    ],
)  # fmt: skip
def test_select_policy(policies: list[Policy], alarm_type: str, severity: Severity, expected: int | None) -> None:
    chosen = select_policy(policies, alarm_type, severity)
    assert (chosen.id if chosen else None) == expected


@pytest.mark.parametrize(
    ("next_step", "now", "due", "next_due"),
    [
        (0, T0, [0], T0),
        (1, T0 + 14 * MIN, [], T0 + 15 * MIN),
        (1, T0 + 15 * MIN, [1], T0 + 15 * MIN),
        (1, T0 + 31 * MIN, [1, 2], T0 + 15 * MIN),
        (2, T0 + 29 * MIN, [], T0 + 30 * MIN),
        (3, T0 + 99 * MIN, [], None),
        (0, T0 - 1, [], T0),
    ],
)  # fmt: skip
def test_due_steps(next_step: int, now: int, due: list[int], next_due: int | None) -> None:
    p = policy(1)
    assert due_steps(p, T0, next_step, now) == due
    assert next_due_at(p, T0, next_step) == next_due


def person(key: str, **addresses: str) -> Person:
    return Person(key, key.upper(), addresses, tuple(addresses))


DIRECTORY = Directory(
    members={
        1: Member(1, "caseworker", True, person("u1", email="kim@city.kr")),
        2: Member(2, "operator", True, person("u2", sms="01011112222", email="lee@city.kr")),
        3: Member(3, "operator", False, person("u3", email="gone@city.kr")),
        4: Member(4, "operator", True, person("u4", email="park@city.kr")),
    },
    contacts={9: person("c9", webhook="https://119.example/hook")},
)


@pytest.mark.parametrize(
    ("step", "assignee", "keys"),
    [
        (Step(0, assignee=True), 1, ["u1"]),
        (Step(0, assignee=True), None, []),
        (Step(0, assignee=True), 3, []),
        (Step(0, roles=("operator",)), None, ["u2", "u4"]),
        (Step(0, assignee=True, users=(1, 4), roles=("operator",), contacts=(9, 77)), 1, ["u1", "u4", "u2", "c9"]),
        (Step(0, users=(999,)), None, []),
    ],
)  # fmt: skip
def test_expand(step: Step, assignee: int | None, keys: list[str]) -> None:
    assert [p.key for p in expand(step, assignee, DIRECTORY)] == keys


ALL = {"email", "sms", "webhook", "webpush"}
PREFERS_SMS = Person("u2", "Lee", {"sms": "010", "email": "lee@city.kr", "webpush": "{}"}, ("sms", "email"))


@pytest.mark.parametrize(
    ("who", "configured", "channels", "every", "expected"),
    [
        (PREFERS_SMS, ALL, None, False, [Route("sms", "010", (("email", "lee@city.kr"),))]),
        (PREFERS_SMS, {"email"}, None, False, [Route("email", "lee@city.kr")]),
        (PREFERS_SMS, ALL, ("email", "sms"), False, [Route("email", "lee@city.kr", (("sms", "010"),))]),
        (PREFERS_SMS, ALL, ("sms", "email"), True, [Route("sms", "010"), Route("email", "lee@city.kr")]),
        (PREFERS_SMS, {"webhook"}, None, False, []),
        (Person("c1", "No prefs", {"email": "a@b.kr", "webpush": "{}"}), ALL, None, False,
         [Route("webpush", "{}", (("email", "a@b.kr"),))]),
        (Person("c2", "Blank", {"email": "  "}), ALL, None, False, []),
    ],
)  # fmt: skip
def test_routes(
    who: Person, configured: set[str], channels: tuple[str, ...] | None, every: bool, expected: list[Route]
) -> None:
    assert routes(who, configured, channels, every=every) == expected

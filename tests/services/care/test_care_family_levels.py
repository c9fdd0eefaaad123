"""Family told at the level they chose: every alert of the home at that level or above, once per level an alarm
reaches (attention → warning → danger), never for levels below; preferences without a level keep their old
meaning (danger if they list danger)."""

from __future__ import annotations

import pytest
from care_support import CareTown, ok
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from maeul.adapters.sql.alarms import raise_alarm
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.core.alarms import Occurrence, Severity
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.services.care.core.family import chosen_level, told_of
from maeul.services.care.tables import care_family


@pytest.mark.parametrize(
    ("preferences", "level", "told"),
    [
        ({"level": "attention"}, "attention", True),
        ({"level": "attention"}, "warning", True),
        ({"level": "attention"}, "danger", True),
        ({"level": "warning"}, "attention", False),
        ({"level": "warning"}, "warning", True),
        ({"level": "warning"}, "danger", True),
        ({"level": "danger"}, "warning", False),
        ({"level": "danger"}, "danger", True),
        ({"level": None, "events": ["danger"]}, "danger", False),  # stored without a level: none chosen
        ({"events": ["danger", "closed"]}, "danger", True),  # written before levels existed
        ({"events": ["danger", "closed"]}, "warning", False),
        ({"events": ["closed"]}, "danger", False),
        ({"level": "attention"}, "device_fault", False),  # not a level of the person's state
        ({"level": "attention"}, "away", False),
    ],
)
def test_told_of_every_level_at_or_above_the_chosen_one(preferences: dict[str, object], level: str, told: bool) -> None:
    assert told_of(preferences, level) is told


def test_a_level_left_out_is_danger_when_the_events_list_it() -> None:
    assert chosen_level({"events": ["danger"]}) == "danger" and chosen_level({"events": []}) is None


def _rows(platform: Platform) -> list[tuple[str, str]]:
    """(level or event, family id) of the care family messages queued."""
    with platform.engine.connect() as conn:
        ids = [i for i in conn.execute(select(notify_outbox.c.id)).scalars() if ".care." in i and ".f" in i]
    return sorted((i.split(".")[3], i.split(".")[4]) for i in ids)


def test_each_level_reached_tells_those_who_chose_it_or_lower(
    client: TestClient, platform: Platform, town: CareTown
) -> None:
    home = town.home
    members: dict[str, str] = {}
    for name, prefs in (
        ("attention", {"level": "attention", "events": ["closed"]}),
        ("warning", {"level": "warning", "events": []}),
        ("danger", {"level": "danger", "events": []}),
        ("default", {}),  # danger, emergency, closed: the level danger
        ("legacy", {"events": ["danger"]}),  # its stored level is removed below: as written before levels
        ("closed_only", {"events": ["closed"]}),
    ):
        kin = {"name": name, "phone": f"010-0000-{len(members):04d}", "preferences": {"channel": "sms", **prefs}}
        created = ok(client.post(f"/api/v1/care/households/{home['id']}/family", json=kin, headers=town.admin), 201)
        members[name] = f"f{created['id']}"
    with platform.engine.begin() as conn:
        legacy_id = int(members["legacy"][1:])
        conn.execute(
            update(care_family)
            .where(care_family.c.id == legacy_id)
            .values(preferences={"events": ["danger"], "channel": "sms", "language": "ko"})
        )
    t = now_ms()

    def raise_(status: str, severity: Severity) -> None:
        occurrence = Occurrence(
            "namyangju", "household", home["entity_id"], "care_inactivity", severity, t, {"care_status": status}
        )
        with platform.engine.begin() as conn:
            raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)

    raise_("attention", Severity.MINOR)
    assert _rows(platform) == [("attention", members["attention"])]
    raise_("attention", Severity.MINOR)  # a repeat at the same level tells no one again
    raise_("warning", Severity.MAJOR)
    raise_("warning", Severity.MAJOR)
    assert _rows(platform) == sorted(
        [("attention", members["attention"]), ("warning", members["attention"]), ("warning", members["warning"])]
    )
    raise_("danger", Severity.CRITICAL)
    raise_("danger", Severity.CRITICAL)
    danger = [("danger", members[n]) for n in ("attention", "warning", "danger", "default", "legacy")]
    assert _rows(platform) == sorted(
        [
            ("attention", members["attention"]),
            ("warning", members["attention"]),
            ("warning", members["warning"]),
            *danger,
        ]
    )


def test_a_bad_level_is_refused(client: TestClient, town: CareTown) -> None:
    kin = {"name": "가족", "phone": "010-0000-0001", "preferences": {"level": "panic"}}
    response = client.post(f"/api/v1/care/households/{town.home['id']}/family", json=kin, headers=town.admin)
    assert response.status_code == 422

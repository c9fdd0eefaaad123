"""Family told by their preferences: a response opened at 'warning' tells them nothing; when its alarm is raised
to 'danger' later, those who asked for danger are told, once."""

from __future__ import annotations

from care_support import CareTown, ok
from fastapi.testclient import TestClient
from sqlalchemy import select

from maeul.adapters.sql.alarms import raise_alarm
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.core.alarms import Occurrence, Severity
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms


def _danger_rows(platform: Platform) -> list[str]:
    with platform.engine.connect() as conn:
        return [i for i in conn.execute(select(notify_outbox.c.id)).scalars() if ".care." in i and ".danger." in i]


def test_raised_to_danger_tells_the_family_once(client: TestClient, platform: Platform, town: CareTown) -> None:
    home = town.home
    kin = {"name": "가족", "phone": "010-0000-0001", "preferences": {"events": ["danger"], "channel": "sms"}}
    ok(client.post(f"/api/v1/care/households/{home['id']}/family", json=kin, headers=town.admin), 201)
    quiet = {"name": "가족2", "phone": "010-0000-0002", "preferences": {"events": ["closed"], "channel": "sms"}}
    ok(client.post(f"/api/v1/care/households/{home['id']}/family", json=quiet, headers=town.admin), 201)
    t = now_ms()

    def raise_(status: str, severity: Severity) -> None:
        details = {"care_status": status}
        occurrence = Occurrence("namyangju", "household", home["entity_id"], "care_inactivity", severity, t, details)
        with platform.engine.begin() as conn:
            raise_alarm(conn, occurrence, listeners=platform.alarm_listeners)

    raise_("warning", Severity.MAJOR)
    assert ok(client.get("/api/v1/care/responses", headers=town.admin))["items"]  # opened at warning
    assert _danger_rows(platform) == []
    raise_("danger", Severity.CRITICAL)
    raise_("danger", Severity.CRITICAL)
    assert len(_danger_rows(platform)) == 1  # the one who asked for danger, once

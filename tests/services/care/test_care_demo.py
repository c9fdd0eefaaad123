"""The demo hook: 30 homes on the core demo's room sensors, each with a care hub, residents, caseworkers per
district; run twice, nothing changes. A short run on a fixed clock: the simulated residents feed their hubs
through the real pipeline and the real detection raises the resident in trouble, while the others stay well."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from maeul.adapters.sql import devices
from maeul.adapters.sql import rules as rule_repo
from maeul.adapters.sql.accounts import create_tenant
from maeul.adapters.sql.alarm_tables import alarms
from maeul.adapters.sql.districts import replace_districts
from maeul.core.districts import District
from maeul.core.rules import registered_kinds
from maeul.platform.app import Platform
from maeul.services.care.demo import STATE_FILE, DemoResidents, run_demo
from maeul.services.care.demo_sim import trouble_windows
from maeul.services.care.store import households, staff
from maeul.services.care.store import status as status_store
from maeul.services.care.tables import care_family, care_households, care_residents
from maeul.services.spec import DemoContext


def _square(lon: float) -> dict[str, object]:
    ring = [[lon, 37.6], [lon + 0.01, 37.6], [lon + 0.01, 37.61], [lon, 37.61], [lon, 37.6]]
    return {"type": "Polygon", "coordinates": [ring]}


def _counts(platform: Platform) -> tuple[int, ...]:
    with platform.engine.connect() as conn:
        return tuple(
            int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (care_households, care_residents, care_family)
        )


def test_demo_is_idempotent_and_live(platform: Platform) -> None:
    codes = ["3113025", "3113026", "3113027"]
    with platform.engine.begin() as conn:
        create_tenant(conn, "namyangju", "남양주시")
        replace_districts(
            conn, "namyangju", [District(c, f"동{c}", None, _square(127.0 + i)) for i, c in enumerate(codes)]
        )
        devices.create_profile(conn, "namyangju", "room", [{"key": "motion", "type": "number"}])
        ids = [
            devices.create_device(conn, "namyangju", f"home-{i:02d}-room", profile="room", district_code=codes[i % 3])[
                0
            ]["id"]
            for i in range(30)
        ]
    context = DemoContext("namyangju", codes, 2018, tuple(ids))
    notes = run_demo(platform, context)
    assert notes and _counts(platform) == (30, 30, 30)
    state = json.loads((platform.settings.data_dir / STATE_FILE).read_text(encoding="utf-8"))
    assert len(state["homes"]) == 30 and all(h["hub"] and h["hub_id"] for h in state["homes"])
    with platform.engine.connect() as conn:
        assigned = staff.list_assignments(conn, "namyangju")
    assert sorted(code for codes_ in assigned.values() for code in codes_) == codes
    with platform.engine.connect() as conn:
        rules_before = rule_repo.list_rules(conn, "namyangju")
    assert "care.inactivity" in registered_kinds()  # the hubs carry the detection's rules
    assert {"care_inactivity", "care_emergency", "care_medication", "care_vitals"} <= {
        r["alarm_type"] for r in rules_before
    }
    run_demo(platform, context)
    assert _counts(platform) == (30, 30, 30)
    with platform.engine.connect() as conn:
        assert len(rule_repo.list_rules(conn, "namyangju")) == len(rules_before)
    residents = DemoResidents(platform, state, interval_s=3600)
    residents.start()  # the live thread starts (a real run would send a week of history) and stops cleanly
    residents.stop()


def test_a_short_demo_run_raises_the_resident_in_trouble(platform: Platform) -> None:
    codes = ["3113025", "3113026"]
    with platform.engine.begin() as conn:
        create_tenant(conn, "namyangju", "남양주시")
        replace_districts(conn, "namyangju", [District(c, c, None, _square(127.0 + i)) for i, c in enumerate(codes)])
        devices.create_profile(conn, "namyangju", "room", [{"key": "motion", "type": "number"}])
        rooms = [
            devices.create_device(conn, "namyangju", f"r{i}", profile="room", district_code=codes[i % 2])
            for i in range(3)
        ]
    run_demo(platform, DemoContext("namyangju", codes, 2018, tuple(row["id"] for row, _ in rooms)))
    state = json.loads((platform.settings.data_dir / STATE_FILE).read_text(encoding="utf-8"))
    # The fixed clock of this run: the last 14:00 in Korea before the enrolment (the resident in trouble fell at 11:00)
    hour, day = 3_600_000, 86_400_000
    now = (int(state["started_ms"]) + 9 * hour) // day * day + 5 * hour
    now = now if now <= int(state["started_ms"]) else now - day
    state["started_ms"] = now
    residents = DemoResidents(platform, state, clock=lambda: now)
    assert residents.catch_up() > 3 * 7 * 100  # a week of each resident's life, through the ingest pipeline
    for _, token in rooms:  # the core demo's room sensors report too
        platform.ingest.submit_http(token, b'{"values": {"motion": 1}}')
    assert platform.rule_runner is not None
    platform.rule_runner.stop()  # every committed batch has been evaluated once the rule thread has stopped
    platform.rule_runner.tick(now)
    with platform.engine.begin() as conn:
        status_store.evaluate_tenant(conn, "namyangju", now)
        homes = {h["code"]: h for h in households.list_households(conn, "namyangju")}
        active = conn.execute(select(alarms.c.type, alarms.c.originator_id).where(alarms.c.cleared.is_(False))).all()
    hubs = {h["hub_id"]: h["home"] for h in state["homes"]}
    troubled = {hubs[device_id] for kind, device_id in active if kind == "care_inactivity"}
    trouble = trouble_windows(now, now, 3, residents.seed)
    assert troubled == {state["homes"][i]["home"] for i in trouble}  # the one who fell, and no one else
    (code,) = troubled
    assert homes[code]["status"] in ("attention", "warning", "danger")
    assert "since" in homes[code]["reason_en"] or "no sign" in homes[code]["reason_en"]
    weak = state["homes"][-1]["home"]  # its smoke detector's battery is low: a device fault, not the person's state
    assert code == weak or homes[weak]["status"] == "device_fault"
    others = [h for c, h in homes.items() if c not in (code, weak)]
    assert others and all(h["status"] in ("normal", "away") for h in others), [
        (h["code"], h["status"], h["reason_en"]) for h in others
    ]

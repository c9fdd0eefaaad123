"""The demo hook: 30 homes on the core demo's room sensors, residents, caseworkers per district; run twice,
nothing changes; the simulated residents feed the extra devices and stop cleanly."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from maeul.adapters.sql import devices
from maeul.adapters.sql import rules as rule_repo
from maeul.adapters.sql.accounts import create_tenant
from maeul.adapters.sql.districts import replace_districts
from maeul.core.districts import District
from maeul.core.rules import registered_kinds
from maeul.platform.app import Platform
from maeul.services.care.demo import STATE_FILE, DemoResidents, run_demo
from maeul.services.care.store import staff
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
    assert len(state["homes"]) == 30 and set(state["homes"][0]["devices"]) == {"door", "button", "smoke", "gas"}
    with platform.engine.connect() as conn:
        assigned = staff.list_assignments(conn, "namyangju")
    assert sorted(code for codes_ in assigned.values() for code in codes_) == codes
    with platform.engine.connect() as conn:
        rules_before = rule_repo.list_rules(conn, "namyangju")
    if "care.inactivity" in registered_kinds():  # the learned-routine detection watches the room sensors
        assert {"care_inactivity", "care_emergency_button"} <= {r["alarm_type"] for r in rules_before}
    run_demo(platform, context)
    assert _counts(platform) == (30, 30, 30)
    with platform.engine.connect() as conn:
        assert len(rule_repo.list_rules(conn, "namyangju")) == len(rules_before)
    residents = DemoResidents(platform, state, interval_s=3600)
    residents.rng.seed(1)
    residents.step()  # one round of heartbeats through the real pipeline
    residents.start()
    residents.stop()
    with platform.engine.connect() as conn:
        from maeul.adapters.sql.tables import latest_values

        assert int(conn.execute(select(func.count()).select_from(latest_values)).scalar_one()) >= 30 * 3

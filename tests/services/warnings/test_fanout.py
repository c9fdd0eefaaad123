"""The fan-out: one outbox row per resident and message, whatever the overlaps and however often it runs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from maeul.adapters.sql import accounts
from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.core.districts import parse_feature_collection
from maeul.platform.app import Platform
from maeul.services.warnings import alerts, bulk, residents
from maeul.services.warnings.residents import Place

from .support import A_DISTRICTS, T0, confirmed_subscriber, districts

AREA = ["3113011", "3113012"]


def setup_town(platform: Platform) -> None:
    items, errors = parse_feature_collection(districts(A_DISTRICTS))
    assert not errors
    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, "namyangju", "남양주시")
        accounts.create_tenant(conn, "suwon", "수원시")
        district_repo.replace_districts(conn, "namyangju", items)
        district_repo.replace_districts(conn, "suwon", items)


def rows_for(platform: Platform, message_id: int) -> list[str]:
    with platform.engine.connect() as conn:
        ids = conn.execute(select(notify_outbox.c.recipient).where(notify_outbox.c.id.like(f"w{message_id}.s%")))
        return list(ids.scalars())


def test_every_resident_once_per_message(platform: Platform) -> None:
    setup_town(platform)
    with platform.engine.begin() as conn:
        bulk.add_confirmed(conn, "namyangju", 300, list(A_DISTRICTS), T0)  # 200 of them in AREA
        bulk.add_confirmed(conn, "suwon", 50, AREA, T0)  # another municipality: never told
    # One resident with three places inside the area (two districts and a circle across their border).
    both = confirmed_subscriber(
        platform, "namyangju", "both@example.org", [Place("3113011"), Place("3113012"), Place(None, 127.3, 37.55, 900)]
    )
    outside = confirmed_subscriber(platform, "namyangju", "out@example.org", [Place("3113013")])
    serious_only = confirmed_subscriber(platform, "namyangju", "late@example.org", [Place("3113011")], min_stage=4)
    gone = confirmed_subscriber(platform, "namyangju", "gone@example.org", [Place("3113011")])
    with platform.engine.begin() as conn:
        pending = residents.subscribe(conn, "namyangju", "email", "p@example.org", "ko", 1, [Place("3113011")], T0)
    with platform.engine.begin() as conn:
        manage = residents.subscribe(conn, "namyangju", "email", "gone2@example.org", "ko", 1, [Place("3113011")], T0)
        assert manage.confirm_token
        residents.confirm(conn, "namyangju", manage.confirm_token, T0)
        residents.unsubscribe(conn, "namyangju", manage.manage_token)
    values = {
        "origin": "manual",
        "status": "Actual",
        "category": "Met",
        "event_ko": "홍수",
        "event_en": "Flood",
        "district_codes": AREA,
        "polygon": None,
    }
    with platform.engine.begin() as conn:
        alert, message = alerts.start_alert(conn, "namyangju", values, 2, T0)
    told = rows_for(platform, message["id"])
    assert len(told) == len(set(told)) == message["recipients"] == 200 + 2  # bulk, both, gone
    assert f"r{both}" in told and f"r{gone}" in told
    assert f"r{outside}" not in told and f"r{serious_only}" not in told
    assert f"r{pending.subscriber['id']}" not in told and f"r{manage.subscriber['id']}" not in told

    # Running the same fan-out again queues nothing new.
    out = residents.Outgoing("namyangju", message["id"], "cap_alert", "Moderate", 2, "s", "s", "b", "b", {}, T0)
    with platform.engine.begin() as conn:
        assert residents.fan_out(conn, out, residents.in_districts("namyangju", AREA)) == 0
    assert sorted(rows_for(platform, message["id"])) == sorted(told)

    # The outbox's primary key refuses a second row for the same resident and message.
    with platform.engine.begin() as conn:
        row = dict(
            conn.execute(select(notify_outbox).where(notify_outbox.c.id == f"w{message['id']}.s{both}"))
            .mappings()
            .one()
        )
    with pytest.raises(IntegrityError), platform.engine.begin() as conn:
        conn.execute(insert(notify_outbox).values(**row))

    # 심각: the 심각-only resident joins; the all-clear reaches everyone who was told.
    with platform.engine.begin() as conn:
        alert, raised = alerts.change_stage(conn, alert, 4, T0 + 1)
        _, cancel = alerts.change_stage(conn, alert, 0, T0 + 2)
    assert raised["recipients"] == cancel["recipients"] == 203
    with platform.engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(notify_outbox).where(notify_outbox.c.kind.like("cap_%"))
        ).scalar_one()
        per_resident = conn.execute(
            select(notify_outbox.c.recipient, func.count())
            .where(notify_outbox.c.kind.like("cap_%"))
            .group_by(notify_outbox.c.recipient)
            .having(func.count() > 3)
        ).all()
    assert total == 202 + 203 + 203 and per_resident == []

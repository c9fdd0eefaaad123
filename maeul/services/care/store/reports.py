"""What the reports read: a home's activity from the hourly and daily rollups, and a programme's alarms,
responses and device uptime over a period."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, func, or_, select

from maeul.adapters.sql.alarm_tables import alarm_entities, alarms, entity_devices
from maeul.adapters.sql.tables import devices, rollup_day, rollup_hour
from maeul.services.care.core.reports import HOUR_MS, AlarmRow, Evaluation, ResponseRow, evaluate
from maeul.services.care.tables import care_households, care_responses


def activity(
    conn: Connection, device_ids: Sequence[int], key: str, start: int, end: int, daily: bool
) -> dict[int, float]:
    """Sum (counts) or mean (measurements) of ``key`` per bucket over the home's devices."""
    table = rollup_day if daily else rollup_hour
    if not device_ids:
        return {}
    agg = func.sum(table.c.sum) if key == "motion" else func.sum(table.c.sum) / func.sum(table.c.count)
    rows = conn.execute(
        select(table.c.bucket, agg)
        .where(table.c.device_id.in_(list(device_ids)), table.c.key == key)
        .where(table.c.bucket >= start, table.c.bucket < end)
        .group_by(table.c.bucket)
    ).all()
    return {int(b): float(v or 0) for b, v in rows}


def programme(conn: Connection, tenant_id: str, start: int, end: int, district_code: str | None = None) -> Evaluation:
    homes_q = select(care_households.c.id, care_households.c.entity_id).where(
        care_households.c.tenant_id == tenant_id, care_households.c.created_at < end
    )
    if district_code is not None:
        homes_q = homes_q.where(care_households.c.district_code == district_code)
    homes = conn.execute(homes_q).all()
    entity_ids = [e for _, e in homes if e is not None]
    home_ids = [h for h, _ in homes]
    alarm_rows: list[AlarmRow] = []
    if entity_ids:
        propagated = select(alarm_entities.c.alarm_id).where(alarm_entities.c.entity_id.in_(entity_ids))
        own = and_(alarms.c.originator_kind == "household", alarms.c.originator_id.in_(entity_ids))
        alarm_rows = [
            AlarmRow(r.type, r.start_ts)
            for r in conn.execute(
                select(alarms.c.type, alarms.c.start_ts).where(
                    alarms.c.tenant_id == tenant_id,
                    alarms.c.start_ts >= start,
                    alarms.c.start_ts < end,
                    or_(alarms.c.id.in_(propagated), own),
                )
            )
        ]
    response_rows = []
    if home_ids:
        response_rows = [
            ResponseRow(r.detected_at, r.first_action_at, r.closed_at, r.resolution, r.false_reason)
            for r in conn.execute(
                select(care_responses).where(
                    care_responses.c.tenant_id == tenant_id,
                    care_responses.c.household_id.in_(home_ids),
                    care_responses.c.detected_at >= start,
                    care_responses.c.detected_at < end,
                )
            )
        ]
    uptime: dict[int, float] = {}
    if entity_ids:
        device_rows = conn.execute(
            select(devices.c.id, devices.c.created_at)
            .join(entity_devices, entity_devices.c.device_id == devices.c.id)
            .where(entity_devices.c.entity_id.in_(entity_ids), devices.c.tenant_id == tenant_id)
        ).all()
        ids = [d for d, _ in device_rows]
        hours_with_data: dict[int, int] = (
            dict(
                conn.execute(
                    select(rollup_hour.c.device_id, func.count(func.distinct(rollup_hour.c.bucket)))
                    .where(rollup_hour.c.device_id.in_(ids), rollup_hour.c.bucket >= start, rollup_hour.c.bucket < end)
                    .group_by(rollup_hour.c.device_id)
                ).all()
            )
            if ids
            else {}
        )
        for device_id, created in device_rows:
            first_hour = max(start, created - created % HOUR_MS)
            expected = max(1, (end - first_hour + HOUR_MS - 1) // HOUR_MS)
            uptime[device_id] = min(1.0, hours_with_data.get(device_id, 0) / expected)
    return evaluate(start, end, len(homes), alarm_rows, response_rows, uptime)

"""Read-only queries the pages need beyond the API's repositories (tenant-scoped, SQLAlchemy Core)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from maeul.adapters.sql.alarm_tables import alarms
from maeul.adapters.sql.tables import devices, latest_values


def last_seen(conn: Connection, tenant_id: str) -> dict[int, int]:
    """Each device's newest reading time (ms), for the devices of the tenant that ever reported."""
    query = (
        select(latest_values.c.device_id, func.max(latest_values.c.ts))
        .select_from(latest_values.join(devices, devices.c.id == latest_values.c.device_id))
        .where(devices.c.tenant_id == tenant_id)
        .group_by(latest_values.c.device_id)
    )
    return {int(device_id): int(ts) for device_id, ts in conn.execute(query)}


def active_alarm_counts(conn: Connection, tenant_id: str) -> dict[int, int]:
    """Active alarms per device of the tenant."""
    query = (
        select(alarms.c.originator_id, func.count())
        .where(alarms.c.tenant_id == tenant_id, alarms.c.originator_kind == "device", alarms.c.cleared.is_(False))
        .group_by(alarms.c.originator_id)
    )
    return {int(device_id): int(count) for device_id, count in conn.execute(query)}


def alarm_summary(conn: Connection, tenant_id: str) -> dict[str, Any]:
    """Counts of active alarms: all, unacknowledged, by severity."""
    query = (
        select(alarms.c.severity, alarms.c.acknowledged, func.count())
        .where(alarms.c.tenant_id == tenant_id, alarms.c.cleared.is_(False))
        .group_by(alarms.c.severity, alarms.c.acknowledged)
    )
    summary: dict[str, Any] = {"active": 0, "unacknowledged": 0, "by_severity": {}}
    for severity, acknowledged, count in conn.execute(query):
        summary["active"] += count
        if not acknowledged:
            summary["unacknowledged"] += count
        summary["by_severity"][severity] = summary["by_severity"].get(severity, 0) + count
    return summary


def alarm_cursor(conn: Connection, tenant_id: str) -> tuple[int, int]:
    """A cheap fingerprint of the tenant's alarms (newest change, count) to tell listeners something changed."""
    row = conn.execute(
        select(func.coalesce(func.max(alarms.c.updated_at), 0), func.count()).where(alarms.c.tenant_id == tenant_id)
    ).one()
    return int(row[0]), int(row[1])


def revoke_session(conn: Connection, token: str) -> None:
    """Revoke one session token (sign-out of one browser; the user's other sessions stay)."""
    from sqlalchemy import update

    from maeul.adapters.sql.tables import api_tokens
    from maeul.platform.clock import now_ms
    from maeul.platform.secrets import token_digest

    conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.token_hash == token_digest(token),
            api_tokens.c.kind == "session",
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now_ms())
    )

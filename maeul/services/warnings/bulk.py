"""Many confirmed subscribers at once (benchmarks and load tests): one set-based insert per table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, insert, select, text

from maeul.services.warnings.residents import digest
from maeul.services.warnings.tables import places, subscriber_districts, subscribers


def add_confirmed(conn: Connection, tenant_id: str, count: int, district_codes: Sequence[str], now: int) -> int:
    """``count`` confirmed e-mail subscribers (``resident-<n>@example.org``), spread over the districts, each
    with one district place; returns the first new subscriber id."""
    start = int(conn.execute(select(func.coalesce(func.max(subscribers.c.id), 0))).scalar_one()) + 1
    rows = [
        {
            "id": start + i,
            "tenant_id": tenant_id,
            "channel": "email",
            "address": f"resident-{start + i}@example.org",
            "address_key": f"resident-{start + i}@example.org",
            "language": "ko" if i % 3 else "both",
            "min_stage": 1,
            "status": "active",
            "confirm_hash": None,
            "manage_hash": digest(f"bench-{tenant_id}-{start + i}"),
            "created_at": now,
            "confirmed_at": now,
        }
        for i in range(count)
    ]
    for chunk in range(0, count, 5000):
        conn.execute(insert(subscribers), rows[chunk : chunk + 5000])
        part = rows[chunk : chunk + 5000]
        codes = [district_codes[(int(str(r["id"])) - start) % len(district_codes)] for r in part]
        conn.execute(
            insert(places),
            [
                {"subscriber_id": r["id"], "tenant_id": tenant_id, "district_code": c}
                for r, c in zip(part, codes, strict=True)
            ],
        )
        conn.execute(
            insert(subscriber_districts),
            [
                {"subscriber_id": r["id"], "tenant_id": tenant_id, "district_code": c}
                for r, c in zip(part, codes, strict=True)
            ],
        )
    if conn.dialect.name == "postgresql":  # explicit ids: move the id sequence past them
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('warnings_subscribers', 'id'), "
                "(SELECT max(id) FROM warnings_subscribers))"
            )
        )
        # A bulk load leaves the planner's statistics behind (it would plan the fan-out for empty tables).
        for table in ("warnings_subscribers", "warnings_places", "warnings_subscriber_districts"):
            conn.execute(text(f"ANALYZE {table}"))
    return start

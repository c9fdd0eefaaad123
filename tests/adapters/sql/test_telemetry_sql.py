"""SQLite bulk telemetry SQL: batches of every size (padded statements), first writes and redeliveries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import StaticPool

from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.tables import latest_values, rollup_minute, telemetry
from maeul.adapters.sql.telemetry_sql import SqliteBulk
from maeul.adapters.sql.telemetry_store import DeviceBatch, TelemetryStore
from maeul.core.readings import Reading

T0 = 1_795_000_000_000


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path}/t.db", poolclass=StaticPool)  # one connection: its temp tables
    upgrade(engine)
    yield engine
    engine.dispose()


def _batches(start: int, rows: int) -> list[DeviceBatch]:
    """``rows`` readings, four per device message, devices 1..50, all new for ``start`` not used before."""
    out = []
    for m in range(start, start + rows // 4):
        readings = [Reading(key, T0 + m * 1000, float(m) + i) for i, key in enumerate(("a", "b", "c", "d"))]
        out.append(DeviceBatch(m % 50 + 1, 30, "Asia/Seoul", readings))
    return out


@pytest.mark.parametrize("rows", [4, 8, 12, 252, 256, 260, 300, 1024, 1028])
def test_batches_of_any_size_store_every_row_once(sqlite_engine: Engine, rows: int) -> None:
    store = TelemetryStore()
    with sqlite_engine.begin() as conn:
        assert store.write(conn, _batches(0, rows)) == rows
    with sqlite_engine.begin() as conn:  # the same again, plus as many new: only the new count (checked flush)
        assert store.write(conn, _batches(0, 2 * rows)) == rows
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(telemetry)).scalar_one() == 2 * rows
        assert conn.execute(select(func.sum(rollup_minute.c.count))).scalar_one() == 2 * rows
        newest = conn.execute(select(func.max(latest_values.c.ts))).scalar_one()
        assert newest == T0 + (2 * rows // 4 - 1) * 1000
        # Nothing is left in the stage or the command table for the connection's next batch.
        assert conn.exec_driver_sql("SELECT count(*) FROM temp.maeul_telemetry_stage").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM temp.maeul_telemetry_flush").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM temp.maeul_telemetry_minutes").scalar_one() == 0


def test_the_flush_never_sorts_the_batch(sqlite_engine: Engine) -> None:
    """Every statement of the flush reads its temporary table in key order: no temporary B-tree for a GROUP BY
    (grouping by a computed bucket made SQLite sort the whole batch once per rollup)."""
    with sqlite_engine.begin() as conn:
        TelemetryStore().write(conn, _batches(0, 8))
        plans = {}
        for sql in (SqliteBulk.INSERT, SqliteBulk.LATEST, SqliteBulk.FOLD_MINUTES, *SqliteBulk.ROLLUPS):
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
            plans[sql[:40]] = [row[3] for row in rows]
    assert all(plan for plan in plans.values())
    assert not [name for name, plan in plans.items() if any("TEMP B-TREE" in step for step in plan)], plans

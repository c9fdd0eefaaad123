"""Migrations: an empty database upgrades to head, the result matches the table definitions, re-runs are no-ops."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import maeul.adapters.sql
from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.migrate import current_revision, head_revision, upgrade
from maeul.adapters.sql.tables import metadata
from maeul.services.registry import installed_services


def load_every_table() -> None:
    """Tables live in several modules of the SQL adapter, all on one MetaData: import them all."""
    for module in pkgutil.iter_modules(maeul.adapters.sql.__path__):
        if module.name != "migrations":
            importlib.import_module(f"maeul.adapters.sql.{module.name}")
    for service in installed_services():  # a service keeps its tables in maeul/services/<name>/tables.py
        if importlib.util.find_spec(f"maeul.services.{service.name}.tables") is not None:
            importlib.import_module(f"maeul.services.{service.name}.tables")


load_every_table()


def test_an_empty_database_upgrades_to_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        assert head_revision() is not None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables, set(metadata.tables) - tables
        upgrade(engine)  # every start runs it: nothing to do the second time
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_table_definitions(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, metadata)
        # Column comments exist only on the Python side; the partitioned telemetry table is special on PostgreSQL.
        real = [d for d in diffs if not (isinstance(d, list) and d and d[0][0] == "modify_comment")]
        assert real == [], real
    finally:
        engine.dispose()


def test_latest_values_have_no_index_beside_their_key(database_url: str) -> None:
    """Every batch moves the stamps of latest values: an index on the stamp would move with each (and on
    PostgreSQL rule out heap-only updates). Reads go by device, the primary key."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        assert inspect(engine).get_indexes("latest_values") == []
        assert inspect(engine).get_pk_constraint("latest_values")["constrained_columns"] == ["device_id", "key"]
    finally:
        engine.dispose()


def test_upgrade_keeps_existing_data(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO tenants (id, name, timezone, retention_days, created_at) "
                "VALUES ('namyangju', '남양주시', 'Asia/Seoul', 365, 1)"
            )
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM tenants").scalar_one() == "남양주시"
    finally:
        engine.dispose()


def test_tables_updated_in_place_leave_room_for_heap_only_updates_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            options = dict(
                conn.exec_driver_sql(
                    "SELECT relname, array_to_string(reloptions, ',') FROM pg_class "
                    "WHERE relname IN ('latest_values', 'rollup_minute', 'rollup_hour', 'rollup_day')"
                ).all()
            )
    finally:
        engine.dispose()
    assert options == {
        "latest_values": "fillfactor=50",
        "rollup_hour": "fillfactor=50",
        "rollup_day": "fillfactor=50",
        "rollup_minute": None,
    }

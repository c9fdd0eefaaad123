"""Alembic environment: runs on the connection Maeul hands it (see ``maeul.adapters.sql.migrate``)."""

from __future__ import annotations

from alembic import context

from maeul.adapters.sql.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via maeul.adapters.sql.migrate
    raise RuntimeError("run migrations through `maeul db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

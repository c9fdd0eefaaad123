"""PostgreSQL: leave room in the pages of the tables that are updated in place (latest values, hour and day rollups).

With free space on its page, an update that changes no indexed column is a heap-only (HOT) update: no new index
entry, and the old version is pruned without a vacuum. These three tables are small and rewritten on every batch,
so half-empty pages cost little. The minute rollup is mostly written once per row and keeps full pages.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPDATED_IN_PLACE = ("latest_values", "rollup_hour", "rollup_day")
FILLFACTOR = 50


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in UPDATED_IN_PLACE:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in UPDATED_IN_PLACE:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")

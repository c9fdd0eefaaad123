"""Drop the index of latest values by (key, ts): nothing reads it, and every batch paid for it.

Each batch moves the stamp of every key it carries, so each of those updates also moved an entry of this index.
On PostgreSQL that made every update of the table a full one: an update that changes an indexed column cannot be
heap-only (HOT), whatever free space migration 0005 left in its pages. Reads of latest values go by device (the
primary key).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_latest_values_key_ts", table_name="latest_values")


def downgrade() -> None:
    op.create_index("ix_latest_values_key_ts", "latest_values", ["key", "ts"])

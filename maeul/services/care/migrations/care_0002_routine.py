"""Care service: per-home routine settings (pill box dose times, the resident's vitals ranges).

Revision ID: care_0002
Revises: care_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "care_0002"
down_revision = "care_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from maeul.adapters.sql.tables import metadata
    from maeul.services.care import tables  # noqa: F401  (registers the tables on the metadata)

    metadata.create_all(op.get_bind(), tables=[metadata.tables["care_routine"]])


def downgrade() -> None:
    op.drop_table("care_routine")

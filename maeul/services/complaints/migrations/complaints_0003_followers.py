"""Complaints service: residents who follow a request they did not report (they get its updates).

Revision ID: complaints_0003
Revises: complaints_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "complaints_0003"
down_revision = "complaints_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from maeul.adapters.sql.tables import metadata
    from maeul.services.complaints.tables import NAMES_0003

    metadata.create_all(op.get_bind(), tables=[metadata.tables[name] for name in NAMES_0003])


def downgrade() -> None:
    from maeul.adapters.sql.tables import metadata
    from maeul.services.complaints.tables import NAMES_0003

    metadata.drop_all(op.get_bind(), tables=[metadata.tables[name] for name in reversed(NAMES_0003)])

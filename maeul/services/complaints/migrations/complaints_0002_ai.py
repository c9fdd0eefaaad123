"""Complaints service: labelled examples for the classifier and the trained models, per tenant.

Revision ID: complaints_0002
Revises: complaints_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "complaints_0002"
down_revision = "complaints_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from maeul.adapters.sql.tables import metadata
    from maeul.services.complaints.tables import NAMES_0002

    metadata.create_all(op.get_bind(), tables=[metadata.tables[name] for name in NAMES_0002])


def downgrade() -> None:
    from maeul.adapters.sql.tables import metadata
    from maeul.services.complaints.tables import NAMES_0002

    metadata.drop_all(op.get_bind(), tables=[metadata.tables[name] for name in reversed(NAMES_0002)])

"""Notification templates: the shared texts of a message sent to many, named by the outbox rows that carry it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_templates",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("notification", sa.JSON, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.add_column("notify_outbox", sa.Column("template_id", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_outbox") as batch:
        batch.drop_column("template_id")
    op.drop_table("notify_templates")

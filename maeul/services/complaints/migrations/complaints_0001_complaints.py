"""Complaints service: settings (Open311 jurisdiction), client keys, categories, requests, events, photos.

Revision ID: complaints_0001
Revises:
Create Date: 2026-11-23

The tables are created from their definitions in ``maeul/services/complaints/tables.py`` as they stand at this
revision; a later change of those definitions comes with a revision of its own (``complaints_0002``...).
"""

from __future__ import annotations

from alembic import op

revision = "complaints_0001"
down_revision = None
branch_labels = ("complaints",)
depends_on = "0003"


def upgrade() -> None:
    from maeul.adapters.sql.tables import metadata
    from maeul.services.complaints.tables import NAMES

    metadata.create_all(op.get_bind(), tables=[metadata.tables[name] for name in NAMES])


def downgrade() -> None:
    from maeul.adapters.sql.tables import metadata
    from maeul.services.complaints.tables import NAMES

    metadata.drop_all(op.get_bind(), tables=[metadata.tables[name] for name in reversed(NAMES)])

"""Care service: households, residents, family, caseworkers, status, responses, audit, rollout, settings.

Revision ID: care_0001
Revises:
Create Date: 2026-11-23

The tables are created from their definitions in ``maeul/services/care/tables.py`` as they stand at this
revision; a later change of those definitions comes with a revision of its own (``care_0002``...).
"""

from __future__ import annotations

from alembic import op

revision = "care_0001"
down_revision = None
branch_labels = ("care",)
depends_on = "0003"

NAMES = (
    "care_households",
    "care_residents",
    "care_family",
    "care_caseworkers",
    "care_status",
    "care_responses",
    "care_response_steps",
    "care_audit",
    "care_rollout",
    "care_settings",
)


def upgrade() -> None:
    from maeul.adapters.sql.tables import metadata
    from maeul.services.care import tables  # noqa: F401  (registers the tables on the metadata)

    metadata.create_all(op.get_bind(), tables=[metadata.tables[name] for name in NAMES])


def downgrade() -> None:
    for name in reversed(NAMES):
        op.drop_table(name)

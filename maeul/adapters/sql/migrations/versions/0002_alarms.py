"""Rules, entities (groups of devices), alarms with their history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_entities_tenant_kind", "entities", ["tenant_id", "kind"])
    op.create_table(
        "entity_devices",
        sa.Column("entity_id", sa.Integer, sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_entity_devices_device", "entity_devices", ["device_id"])
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("device_profiles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("alarm_type", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("condition", sa.JSON, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_rules_profile", "rules", ["profile_id"])
    op.create_table(
        "rule_overrides",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("rule_id", sa.Integer, sa.ForeignKey("rules.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target_kind", sa.String(10), nullable=False),
        sa.Column("target_id", sa.Integer, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_rule_overrides_target", "rule_overrides", ["target_kind", "target_id"])
    op.create_table(
        "rule_states",
        sa.Column("rule_id", sa.Integer, sa.ForeignKey("rules.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "alarms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("originator_kind", sa.String(40), nullable=False),
        sa.Column("originator_id", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("cleared", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("acknowledged", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("start_ts", sa.BigInteger, nullable=False),
        sa.Column("last_ts", sa.BigInteger, nullable=False),
        sa.Column("end_ts", sa.BigInteger, nullable=True),
        sa.Column("occurrences", sa.Integer, nullable=False, server_default="1"),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("rule_id", sa.Integer, nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("acknowledged_at", sa.BigInteger, nullable=True),
        sa.Column("acknowledged_by", sa.Integer, nullable=True),
        sa.Column("cleared_at", sa.BigInteger, nullable=True),
        sa.Column("cleared_by", sa.Integer, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    )
    cleared = sa.column("cleared", sa.Boolean)
    op.create_index(
        "uq_alarms_active",
        "alarms",
        ["tenant_id", "originator_kind", "originator_id", "type"],
        unique=True,
        sqlite_where=cleared == sa.false(),
        postgresql_where=cleared == sa.false(),
    )
    op.create_index("ix_alarms_tenant_status", "alarms", ["tenant_id", "cleared", "start_ts"])
    op.create_table(
        "alarm_entities",
        sa.Column("alarm_id", sa.Integer, sa.ForeignKey("alarms.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("entity_id", sa.Integer, sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_alarm_entities_entity", "alarm_entities", ["entity_id"])
    op.create_table(
        "alarm_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alarm_id", sa.Integer, sa.ForeignKey("alarms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_alarm_events_alarm", "alarm_events", ["alarm_id", "id"])


def downgrade() -> None:
    for name in (
        "alarm_events",
        "alarm_entities",
        "alarms",
        "rule_states",
        "rule_overrides",
        "rules",
        "entity_devices",
        "entities",
    ):
        op.drop_table(name)

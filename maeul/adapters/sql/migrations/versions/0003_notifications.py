"""Notifications: channel settings, contacts, escalation policies and state, the outbox, attempts, rate windows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _tenant(primary_key: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "tenant_id",
        sa.String(40),
        sa.ForeignKey("tenants.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "notify_channels",
        _tenant(primary_key=True),
        sa.Column("channel", sa.String(10), primary_key=True),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "notify_contacts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("addresses", sa.JSON, nullable=False),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("language", sa.String(4), nullable=False),
        sa.Column("quiet_start", sa.String(5), nullable=True),
        sa.Column("quiet_end", sa.String(5), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_notify_contacts_tenant_user"),
    )
    op.create_table(
        "notify_policies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("alarm_type", sa.String(100), nullable=False),
        sa.Column("min_severity", sa.String(10), nullable=False),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_notify_policies_tenant", "notify_policies", ["tenant_id"])
    op.create_table(
        "notify_escalations",
        sa.Column("alarm_id", sa.Integer, sa.ForeignKey("alarms.id", ondelete="CASCADE"), primary_key=True),
        _tenant(),
        sa.Column("policy_id", sa.Integer, sa.ForeignKey("notify_policies.id", ondelete="SET NULL"), nullable=True),
        sa.Column("started_at", sa.BigInteger, nullable=False),
        sa.Column("next_step", sa.Integer, nullable=False),
        sa.Column("due_at", sa.BigInteger, nullable=True),
        sa.Column("stopped", sa.Boolean, nullable=False),
        sa.Column("stop_reason", sa.String(20), nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_notify_escalations_due", "notify_escalations", ["stopped", "due_at"])
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.String(200), primary_key=True),
        _tenant(),
        sa.Column("alarm_id", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("step", sa.Integer, nullable=True),
        sa.Column("recipient", sa.String(20), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10), nullable=True),
        sa.Column("notification", sa.JSON, nullable=True),
        sa.Column("fallbacks", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("deferred", sa.String(12), nullable=True),
        sa.Column("digest_id", sa.String(200), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
        sa.Column("claimed_until", sa.BigInteger, nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("delivered_at", sa.BigInteger, nullable=True),
        sa.Column("last_status", sa.String(40), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_notify_outbox_due", "notify_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_notify_outbox_alarm", "notify_outbox", ["tenant_id", "alarm_id"])
    op.create_index("ix_notify_outbox_tenant_created", "notify_outbox", ["tenant_id", "created_at"])
    op.create_index("ix_notify_outbox_digest", "notify_outbox", ["digest_id"])
    op.create_table(
        "notify_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("outbox_id", sa.String(200), sa.ForeignKey("notify_outbox.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("duration_ms", sa.Integer, nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_notify_attempts_outbox", "notify_attempts", ["outbox_id", "id"])
    op.create_table(
        "notify_rate_windows",
        _tenant(primary_key=True),
        sa.Column("recipient", sa.String(20), primary_key=True),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for name in (
        "notify_rate_windows",
        "notify_attempts",
        "notify_outbox",
        "notify_escalations",
        "notify_policies",
        "notify_contacts",
        "notify_channels",
    ):
        op.drop_table(name)

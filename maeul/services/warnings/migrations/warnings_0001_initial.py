"""Warnings service: stations and their state, warnings and their CAP messages, subscribers, shelters.

Revision ID: warnings_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "warnings_0001"
down_revision = None
branch_labels = ("warnings",)
depends_on = "0003"


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


AUTO = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "warnings_stations",
        _id(),
        _tenant(),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("stage_key", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("district_codes", sa.JSON, nullable=False),
        sa.Column("polygon", sa.JSON, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("device_id", name="uq_warnings_stations_device_id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_warnings_stations_tenant_name"),
        **AUTO,
    )
    op.create_table(
        "warnings_station_states",
        sa.Column(
            "station_id", sa.Integer, sa.ForeignKey("warnings_stations.id", ondelete="CASCADE"), primary_key=True
        ),
        _tenant(),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("assessment", sa.JSON, nullable=True),
        sa.Column("last_ts", sa.BigInteger, nullable=True),
        sa.Column("last_value", sa.Float, nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "warnings_alerts",
        _id(),
        _tenant(),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("warnings_stations.id", ondelete="SET NULL"), nullable=True),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("category", sa.String(12), nullable=False),
        sa.Column("event_ko", sa.String(200), nullable=False),
        sa.Column("event_en", sa.String(200), nullable=False),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("max_stage", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("district_codes", sa.JSON, nullable=False),
        sa.Column("polygon", sa.JSON, nullable=True),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        **AUTO,
    )
    op.create_index("ix_warnings_alerts_tenant_active", "warnings_alerts", ["tenant_id", "active"])
    op.create_index("ix_warnings_alerts_station", "warnings_alerts", ["station_id", "active"])
    op.create_table(
        "warnings_messages",
        _id(),
        _tenant(),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("warnings_alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("identifier", sa.String(200), nullable=False),
        sa.Column("msg_type", sa.String(10), nullable=False),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("sent_ms", sa.BigInteger, nullable=False),
        sa.Column("sent", sa.String(32), nullable=False),
        sa.Column("headline_ko", sa.Text, nullable=False),
        sa.Column("headline_en", sa.Text, nullable=False),
        sa.Column("body_ko", sa.Text, nullable=False),
        sa.Column("body_en", sa.Text, nullable=False),
        sa.Column("instruction_ko", sa.Text, nullable=False),
        sa.Column("instruction_en", sa.Text, nullable=False),
        sa.Column("cap_xml", sa.Text, nullable=False),
        sa.Column("trigger_ts", sa.BigInteger, nullable=True),
        sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fanout_ms", sa.Integer, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("identifier", name="uq_warnings_messages_identifier"),
        **AUTO,
    )
    op.create_index("ix_warnings_messages_tenant_sent", "warnings_messages", ["tenant_id", "sent_ms"])
    op.create_index("ix_warnings_messages_alert", "warnings_messages", ["alert_id"])
    op.create_table(
        "warnings_subscribers",
        _id(),
        _tenant(),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("address_key", sa.String(64), nullable=False),
        sa.Column("language", sa.String(4), nullable=False),
        sa.Column("min_stage", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("confirm_hash", sa.String(64), nullable=True),
        sa.Column("manage_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("confirmed_at", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("tenant_id", "channel", "address_key", name="uq_warnings_subscribers_address"),
        sa.UniqueConstraint("confirm_hash", name="uq_warnings_subscribers_confirm_hash"),
        sa.UniqueConstraint("manage_hash", name="uq_warnings_subscribers_manage_hash"),
        **AUTO,
    )
    op.create_index("ix_warnings_subscribers_tenant_status", "warnings_subscribers", ["tenant_id", "status"])
    op.create_table(
        "warnings_places",
        _id(),
        sa.Column(
            "subscriber_id", sa.Integer, sa.ForeignKey("warnings_subscribers.id", ondelete="CASCADE"), nullable=False
        ),
        _tenant(),
        sa.Column("district_code", sa.String(20), nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("radius_m", sa.Float, nullable=True),
        **AUTO,
    )
    op.create_index("ix_warnings_places_subscriber", "warnings_places", ["subscriber_id"])
    op.create_table(
        "warnings_subscriber_districts",
        sa.Column(
            "subscriber_id",
            sa.Integer,
            sa.ForeignKey("warnings_subscribers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("district_code", sa.String(20), primary_key=True),
        _tenant(),
    )
    op.create_index(
        "ix_warnings_subscriber_districts_code",
        "warnings_subscriber_districts",
        ["tenant_id", "district_code", "subscriber_id"],
    )
    op.create_table(
        "warnings_shelters",
        _id(),
        _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("hours", sa.String(500), nullable=False),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        **AUTO,
    )
    op.create_index("ix_warnings_shelters_tenant", "warnings_shelters", ["tenant_id", "kind"])


def downgrade() -> None:
    for name in (
        "warnings_shelters",
        "warnings_subscriber_districts",
        "warnings_places",
        "warnings_subscribers",
        "warnings_messages",
        "warnings_alerts",
        "warnings_station_states",
        "warnings_stations",
    ):
        op.drop_table(name)

"""Platform core: tenants, people, tokens, device profiles, devices, telemetry, rollups, dead letters.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _rollup(name: str) -> None:
    op.create_table(
        name,
        sa.Column("device_id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("bucket", sa.BigInteger, primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("min", sa.Float, nullable=False),
        sa.Column("max", sa.Float, nullable=False),
        sa.Column("sum", sa.Float, nullable=False),
        sqlite_with_rowid=False,
    )


def _telemetry(dialect: str) -> None:
    if dialect == "postgresql":
        # Two-level partitioning: by retention class (list), then by time (range, created on demand),
        # so that retention drops whole partitions. See maeul/adapters/sql/partitions.py.
        op.execute(
            """
            CREATE TABLE telemetry (
                device_id integer NOT NULL,
                key varchar(64) NOT NULL,
                ts bigint NOT NULL,
                value_num double precision,
                value_str text,
                retention_days integer NOT NULL DEFAULT 365,
                CONSTRAINT pk_telemetry PRIMARY KEY (retention_days, device_id, key, ts)
            ) PARTITION BY LIST (retention_days)
            """
        )
        return
    op.create_table(
        "telemetry",
        sa.Column("device_id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("ts", sa.BigInteger, primary_key=True),
        sa.Column("value_num", sa.Float, nullable=True),
        sa.Column("value_str", sa.Text, nullable=True),
        sa.Column("retention_days", sa.Integer, nullable=False, server_default="365"),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    true = sa.text("true") if dialect == "postgresql" else sa.text("1")
    false = sa.text("false") if dialect == "postgresql" else sa.text("0")
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="Asia/Seoul"),
        sa.Column("retention_days", sa.Integer, nullable=False, server_default="365"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_departments_tenant_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "districts",
        sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=True),
        sa.Column("geometry", sa.JSON, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("department_id", sa.Integer, sa.ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=true),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=True),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "device_profiles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("keys", sa.JSON, nullable=False),
        sa.Column("accept_any_numeric", sa.Boolean, nullable=False, server_default=false),
        sa.Column("retention_days", sa.Integer, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_device_profiles_tenant_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(40), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("device_profiles.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("district_code", sa.String(20), nullable=True),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("gateway_id", sa.Integer, sa.ForeignKey("devices.id", ondelete="SET NULL"), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_prefix", sa.String(16), nullable=False),
        sa.Column("mqtt_password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_devices_tenant_name"),
        sa.UniqueConstraint("token_hash", name="uq_devices_token_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_devices_tenant_district", "devices", ["tenant_id", "district_code"])
    _telemetry(dialect)
    op.create_table(
        "latest_values",
        sa.Column("device_id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("value_num", sa.Float, nullable=True),
        sa.Column("value_str", sa.Text, nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_latest_values_key_ts", "latest_values", ["key", "ts"])
    for name in ("rollup_minute", "rollup_hour", "rollup_day"):
        _rollup(name)
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(40), nullable=True),
        sa.Column("device_id", sa.Integer, nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("topic", sa.String(300), nullable=True),
        sa.Column("payload", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_dead_letters_tenant_received", "dead_letters", ["tenant_id", "received_at"])


def downgrade() -> None:
    for name in (
        "dead_letters",
        "rollup_day",
        "rollup_hour",
        "rollup_minute",
        "latest_values",
        "telemetry",
        "devices",
        "device_profiles",
        "api_tokens",
        "users",
        "departments",
        "districts",
        "tenants",
    ):
        op.drop_table(name)

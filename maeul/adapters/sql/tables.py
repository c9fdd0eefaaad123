"""SQLAlchemy Core tables of the platform core (tenants, people, devices, telemetry).

The data model maps onto OGC SensorThings: a device is a Thing, a (device, key) pair of its profile is a
Datastream, and a telemetry row is an Observation.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(40), primary_key=True, comment="slug, e.g. namyangju"),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("timezone", String(64), nullable=False, server_default="Asia/Seoul"),
    Column("retention_days", Integer, nullable=False, server_default="365"),
    Column("created_at", BigInteger, nullable=False),
)

departments = Table(
    "departments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_departments_tenant_name"),
    sqlite_autoincrement=True,
)

districts = Table(
    "districts",
    metadata,
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(20), primary_key=True, comment="administrative code, e.g. 3113025"),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("geometry", JSON, nullable=False, comment="GeoJSON geometry, WGS84 lon/lat"),
    Column("created_at", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("username", String(100), nullable=False),
    Column("display_name", String(200), nullable=True),
    Column("email", String(254), nullable=True),
    Column("role", String(20), nullable=False),
    Column("department_id", Integer, ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    Column("password_hash", String(200), nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),
    sqlite_autoincrement=True,
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False, comment="session or api_key"),
    Column("name", String(200), nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    sqlite_autoincrement=True,
)

device_profiles = Table(
    "device_profiles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=True),
    Column("keys", JSON, nullable=False, comment="list of {key, unit, type, min, max}"),
    Column("accept_any_numeric", Boolean, nullable=False, server_default="0"),
    Column("retention_days", Integer, nullable=True, comment="overrides the tenant's retention"),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_device_profiles_tenant_name"),
    sqlite_autoincrement=True,
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("profile_id", Integer, ForeignKey("device_profiles.id", ondelete="RESTRICT"), nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("district_code", String(20), nullable=True),
    Column("attributes", JSON, nullable=False),
    Column("gateway_id", Integer, ForeignKey("devices.id", ondelete="SET NULL"), nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("token_prefix", String(16), nullable=False),
    Column("mqtt_password_hash", String(200), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_devices_tenant_name"),
    sqlite_autoincrement=True,
)
Index("ix_devices_tenant_district", devices.c.tenant_id, devices.c.district_code)

# Observations. Partitioned by retention class and time on PostgreSQL (see partitions.py);
# a plain clustered table on SQLite. ts is Unix epoch milliseconds (UTC).
telemetry = Table(
    "telemetry",
    metadata,
    Column("device_id", Integer, primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("ts", BigInteger, primary_key=True),
    Column("value_num", Float, nullable=True),
    Column("value_str", Text, nullable=True),
    Column("retention_days", Integer, nullable=False, server_default="365"),
    sqlite_with_rowid=False,
)

latest_values = Table(
    "latest_values",
    metadata,
    Column("device_id", Integer, primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("ts", BigInteger, nullable=False),
    Column("value_num", Float, nullable=True),
    Column("value_str", Text, nullable=True),
    sqlite_with_rowid=False,
)


def _rollup_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("device_id", Integer, primary_key=True),
        Column("key", String(64), primary_key=True),
        Column("bucket", BigInteger, primary_key=True, comment="bucket start, epoch ms"),
        Column("count", BigInteger, nullable=False),
        Column("min", Float, nullable=False),
        Column("max", Float, nullable=False),
        Column("sum", Float, nullable=False),
        sqlite_with_rowid=False,
    )


rollup_minute = _rollup_table("rollup_minute")
rollup_hour = _rollup_table("rollup_hour")
rollup_day = _rollup_table("rollup_day")

ROLLUP_TABLES = {"minute": rollup_minute, "hour": rollup_hour, "day": rollup_day}

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), nullable=True),
    Column("device_id", Integer, nullable=True),
    Column("source", String(10), nullable=False, comment="http or mqtt"),
    Column("topic", String(300), nullable=True),
    Column("payload", Text, nullable=True, comment="first 64 KiB, as received"),
    Column("reason", Text, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_dead_letters_tenant_received", dead_letters.c.tenant_id, dead_letters.c.received_at)

"""Tables of the warnings service, on the platform's shared metadata (revision warnings_0001 creates them)."""

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
    String,
    Table,
    Text,
    UniqueConstraint,
)

from maeul.adapters.sql import notify_tables  # noqa: F401  (warnings are handed to the notifications outbox)
from maeul.adapters.sql.tables import metadata


def _tenant() -> Column:  # type: ignore[type-arg]
    return Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


# A monitoring station: a device of one of the service's profiles, the key that drives its stage, its area.
stations = Table(
    "warnings_stations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("kind", String(30), nullable=False),
    Column("stage_key", String(64), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("config", JSON, nullable=False, comment="StageConfig: thresholds, band, hold, rate rules, forecast"),
    Column("district_codes", JSON, nullable=False, comment="the warning area: district codes"),
    Column("polygon", JSON, nullable=True, comment="or/and a drawn GeoJSON polygon"),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_warnings_stations_tenant_name"),
    sqlite_autoincrement=True,
)

station_states = Table(
    "warnings_station_states",
    metadata,
    Column("station_id", Integer, ForeignKey("warnings_stations.id", ondelete="CASCADE"), primary_key=True),
    _tenant(),
    Column("stage", Integer, nullable=False),
    Column("state", JSON, nullable=False, comment="StationState: stage, hysteresis hold, trend window"),
    Column("assessment", JSON, nullable=True, comment="the last assessment (value, trend, forecast, reason)"),
    Column("last_ts", BigInteger, nullable=True),
    Column("last_value", Float, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)

# A warning: one event in one area, from the first Alert through its Updates to the Cancel (all-clear).
alerts = Table(
    "warnings_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("station_id", Integer, ForeignKey("warnings_stations.id", ondelete="SET NULL"), nullable=True),
    Column("origin", String(10), nullable=False, comment="station or manual"),
    Column("status", String(10), nullable=False, comment="CAP status: Actual, Exercise, Test"),
    Column("category", String(12), nullable=False),
    Column("event_ko", String(200), nullable=False),
    Column("event_en", String(200), nullable=False),
    Column("stage", Integer, nullable=False),
    Column("max_stage", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("district_codes", JSON, nullable=False),
    Column("polygon", JSON, nullable=True),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_warnings_alerts_tenant_active", alerts.c.tenant_id, alerts.c.active)
Index("ix_warnings_alerts_station", alerts.c.station_id, alerts.c.active)

# Each CAP document of a warning.
messages = Table(
    "warnings_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("alert_id", Integer, ForeignKey("warnings_alerts.id", ondelete="CASCADE"), nullable=False),
    Column("identifier", String(200), nullable=False, unique=True),
    Column("msg_type", String(10), nullable=False),
    Column("stage", Integer, nullable=False),
    Column("sent_ms", BigInteger, nullable=False),
    Column("sent", String(32), nullable=False, comment="the CAP sent value, as referenced by later messages"),
    Column("headline_ko", Text, nullable=False),
    Column("headline_en", Text, nullable=False),
    Column("body_ko", Text, nullable=False),
    Column("body_en", Text, nullable=False),
    Column("instruction_ko", Text, nullable=False),
    Column("instruction_en", Text, nullable=False),
    Column("cap_xml", Text, nullable=False),
    Column("trigger_ts", BigInteger, nullable=True, comment="the reading that changed the stage"),
    Column("recipients", Integer, nullable=False, server_default="0"),
    Column("fanout_ms", Integer, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_warnings_messages_tenant_sent", messages.c.tenant_id, messages.c.sent_ms)
Index("ix_warnings_messages_alert", messages.c.alert_id)

# Residents who subscribed without an account: one row per (channel, address); tokens stored as SHA-256 digests.
subscribers = Table(
    "warnings_subscribers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("channel", String(10), nullable=False, comment="email, sms or webpush"),
    Column("address", Text, nullable=False),
    Column("address_key", String(64), nullable=False, comment="SHA-256 of the normalised address"),
    Column("language", String(4), nullable=False),
    Column("min_stage", Integer, nullable=False),
    Column("status", String(12), nullable=False, comment="pending, active or unsubscribed"),
    Column("confirm_hash", String(64), nullable=True, unique=True),
    Column("manage_hash", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Column("confirmed_at", BigInteger, nullable=True),
    UniqueConstraint("tenant_id", "channel", "address_key", name="uq_warnings_subscribers_address"),
    sqlite_autoincrement=True,
)
Index("ix_warnings_subscribers_tenant_status", subscribers.c.tenant_id, subscribers.c.status)

# The places a resident named: a district, or a point with a radius.
places = Table(
    "warnings_places",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscriber_id", Integer, ForeignKey("warnings_subscribers.id", ondelete="CASCADE"), nullable=False),
    _tenant(),
    Column("district_code", String(20), nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("radius_m", Float, nullable=True),
    sqlite_autoincrement=True,
)
Index("ix_warnings_places_subscriber", places.c.subscriber_id)

# The districts each subscriber's places touch: what a warning for districts joins on.
subscriber_districts = Table(
    "warnings_subscriber_districts",
    metadata,
    Column("subscriber_id", Integer, ForeignKey("warnings_subscribers.id", ondelete="CASCADE"), primary_key=True),
    Column("district_code", String(20), primary_key=True),
    _tenant(),
)
Index(
    "ix_warnings_subscriber_districts_code",
    subscriber_districts.c.tenant_id,
    subscriber_districts.c.district_code,
    subscriber_districts.c.subscriber_id,
)

shelters = Table(
    "warnings_shelters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("kind", String(12), nullable=False, comment="heat, cold or evacuation"),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("capacity", Integer, nullable=True),
    Column("hours", String(500), nullable=False),
    Column("address", String(500), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_warnings_shelters_tenant", shelters.c.tenant_id, shelters.c.kind)

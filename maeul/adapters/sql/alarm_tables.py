"""Tables of rules, alarms and notifications (same metadata as the core tables)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, false, true

from maeul.adapters.sql.tables import metadata

# Groups of devices: a household, a site, a district... Alarms propagate to them; rules can be overridden per group.
entities = Table(
    "entities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(40), nullable=False, comment="household, site, district, group, ..."),
    Column("name", String(200), nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_entities_tenant_kind", entities.c.tenant_id, entities.c.kind)

entity_devices = Table(
    "entity_devices",
    metadata,
    Column("entity_id", Integer, ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_entity_devices_device", entity_devices.c.device_id)

rules = Table(
    "rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("profile_id", Integer, ForeignKey("device_profiles.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("alarm_type", String(100), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("condition", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_rules_profile", rules.c.profile_id)

rule_overrides = Table(
    "rule_overrides",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", Integer, ForeignKey("rules.id", ondelete="CASCADE"), nullable=False),
    Column("target_kind", String(10), nullable=False, comment="device or entity"),
    Column("target_id", Integer, nullable=False),
    Column("params", JSON, nullable=False, comment="deep-merged into the rule's condition"),
    Column("enabled", Boolean, nullable=True, comment="null: as the rule"),
    sqlite_autoincrement=True,
)
Index("ix_rule_overrides_target", rule_overrides.c.target_kind, rule_overrides.c.target_id)

rule_states = Table(
    "rule_states",
    metadata,
    Column("rule_id", Integer, ForeignKey("rules.id", ondelete="CASCADE"), primary_key=True),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

alarms = Table(
    "alarms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("originator_kind", String(40), nullable=False),
    Column("originator_id", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("cleared", Boolean, nullable=False, server_default=false()),
    Column("acknowledged", Boolean, nullable=False, server_default=false()),
    Column("start_ts", BigInteger, nullable=False, comment="from the readings"),
    Column("last_ts", BigInteger, nullable=False, comment="latest occurrence, from the readings"),
    Column("end_ts", BigInteger, nullable=True, comment="when the condition ended, from the readings"),
    Column("occurrences", Integer, nullable=False, server_default="1"),
    Column("assignee_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("rule_id", Integer, nullable=True),
    Column("details", JSON, nullable=False),
    Column("acknowledged_at", BigInteger, nullable=True),
    Column("acknowledged_by", Integer, nullable=True),
    Column("cleared_at", BigInteger, nullable=True),
    Column("cleared_by", Integer, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
# One active alarm per (originator, type): enforced by the database, so concurrent workers cannot create two.
Index(
    "uq_alarms_active",
    alarms.c.tenant_id,
    alarms.c.originator_kind,
    alarms.c.originator_id,
    alarms.c.type,
    unique=True,
    sqlite_where=alarms.c.cleared == false(),
    postgresql_where=alarms.c.cleared == false(),
)
Index("ix_alarms_tenant_status", alarms.c.tenant_id, alarms.c.cleared, alarms.c.start_ts)

alarm_entities = Table(
    "alarm_entities",
    metadata,
    Column("alarm_id", Integer, ForeignKey("alarms.id", ondelete="CASCADE"), primary_key=True),
    Column("entity_id", Integer, ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_alarm_entities_entity", alarm_entities.c.entity_id)

alarm_events = Table(
    "alarm_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alarm_id", Integer, ForeignKey("alarms.id", ondelete="CASCADE"), nullable=False),
    Column("tenant_id", String(40), nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("actor_id", Integer, nullable=True, comment="user; null for the system"),
    Column("action", String(20), nullable=False),
    Column("text", Text, nullable=True),
    Column("details", JSON, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_alarm_events_alarm", alarm_events.c.alarm_id, alarm_events.c.id)

"""Tables of the care service, on the shared metadata. Personal data lives only in ``*_enc`` columns (AES-GCM,
see :mod:`maeul.services.care.crypto`); ``uid`` is the random row identity bound into each value's associated
data, so a ciphertext moved to another row or column fails to decrypt."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, false

from maeul.adapters.sql import alarm_tables  # noqa: F401  (responses refer to alarms, households to entities)
from maeul.adapters.sql.tables import metadata


def _tenant(primary_key: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(
        "tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, primary_key=primary_key
    )


care_households = Table(
    "care_households",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("uid", String(32), nullable=False, unique=True),
    Column("code", String(40), nullable=False, comment="a label without personal data, e.g. H001"),
    Column("district_code", String(20), nullable=False),
    Column("entity_id", Integer, ForeignKey("entities.id", ondelete="SET NULL"), nullable=True),
    Column("address_enc", Text, nullable=True),
    Column("away_until", BigInteger, nullable=True, comment="manual away mode until (epoch ms)"),
    Column("tiers_h", JSON, nullable=True, comment="inactivity tiers in hours: attention, warning, danger"),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("uq_care_households_tenant_code", care_households.c.tenant_id, care_households.c.code, unique=True)
Index("ix_care_households_district", care_households.c.tenant_id, care_households.c.district_code)

care_residents = Table(
    "care_residents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("household_id", Integer, ForeignKey("care_households.id", ondelete="CASCADE"), nullable=False),
    Column("uid", String(32), nullable=False, unique=True),
    Column("name_enc", Text, nullable=False),
    Column("birth_year_enc", Text, nullable=True),
    Column("conditions_enc", Text, nullable=True),
    Column("consent_enc", Text, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_care_residents_household", care_residents.c.household_id)

care_family = Table(
    "care_family",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("household_id", Integer, ForeignKey("care_households.id", ondelete="CASCADE"), nullable=False),
    Column("uid", String(32), nullable=False, unique=True),
    Column("name_enc", Text, nullable=False),
    Column("relation_enc", Text, nullable=True),
    Column("phone_enc", Text, nullable=True),
    Column("email_enc", Text, nullable=True),
    Column("preferences", JSON, nullable=False, comment="events, channel, language: no personal data"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_care_family_household", care_family.c.household_id)

care_caseworkers = Table(
    "care_caseworkers",
    metadata,
    _tenant(),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("district_code", String(20), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)
Index("ix_care_caseworkers_district", care_caseworkers.c.tenant_id, care_caseworkers.c.district_code)

care_status = Table(
    "care_status",
    metadata,
    Column("household_id", Integer, ForeignKey("care_households.id", ondelete="CASCADE"), primary_key=True),
    _tenant(),
    Column("status", String(20), nullable=False),
    Column("reason_ko", Text, nullable=False),
    Column("reason_en", Text, nullable=False),
    Column("alarm_id", Integer, nullable=True),
    Column("since", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

care_responses = Table(
    "care_responses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("household_id", Integer, ForeignKey("care_households.id", ondelete="CASCADE"), nullable=False),
    Column("alarm_id", Integer, ForeignKey("alarms.id", ondelete="SET NULL"), nullable=True, unique=True),
    Column("alarm_type", String(100), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("detected_at", BigInteger, nullable=False, comment="when the condition began (the alarm's start)"),
    Column("opened_at", BigInteger, nullable=False),
    Column("stage", String(20), nullable=False, comment="open, phone_check, visit, emergency, closed"),
    Column("first_action_at", BigInteger, nullable=True),
    Column("closed_at", BigInteger, nullable=True),
    Column("closed_by", Integer, nullable=True),
    Column("resolution", String(20), nullable=True, comment="confirmed or false_alarm"),
    Column("false_reason", String(30), nullable=True),
    Column("note_enc", Text, nullable=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("emergency_sent", Boolean, nullable=False, server_default=false()),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_care_responses_tenant_open", care_responses.c.tenant_id, care_responses.c.closed_at)
Index("ix_care_responses_household", care_responses.c.household_id, care_responses.c.opened_at)

care_response_steps = Table(
    "care_response_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("response_id", Integer, ForeignKey("care_responses.id", ondelete="CASCADE"), nullable=False),
    Column("uid", String(32), nullable=False, unique=True),
    Column("step", String(20), nullable=False, comment="phone_check, visit, emergency"),
    Column("outcome", String(30), nullable=False),
    Column("note_enc", Text, nullable=True),
    Column("actor_id", Integer, nullable=True),
    Column("ts", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_care_response_steps_response", care_response_steps.c.response_id, care_response_steps.c.id)

# Who looked at whose personal data, when. Written in the transaction that read it; never holds the data.
care_audit = Table(
    "care_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("ts", BigInteger, nullable=False),
    Column("actor_id", Integer, nullable=True),
    Column("actor_role", String(20), nullable=False),
    Column("action", String(30), nullable=False),
    Column("household_id", Integer, nullable=True),
    Column("subject", String(60), nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_care_audit_tenant_ts", care_audit.c.tenant_id, care_audit.c.ts)

care_rollout = Table(
    "care_rollout",
    metadata,
    _tenant(primary_key=True),
    Column("district_code", String(20), primary_key=True),
    Column("phase", String(20), nullable=False, comment="planned, pilot, evaluation, expansion, maintenance"),
    Column("planned_homes", Integer, nullable=False),
    Column("start_date", String(10), nullable=True),
    Column("note", Text, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)

care_settings = Table(
    "care_settings",
    metadata,
    _tenant(primary_key=True),
    Column("emergency_url", Text, nullable=True, comment="webhook of 119 or the local dispatch system"),
    Column("tiers_h", JSON, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Per-home routine settings set by the caseworker (care_0002): the pill box's dose times and the resident's vitals
# ranges, as the detection's own JSON (MedicationConfig, VitalsConfig). No personal data: times and limits only.
care_routine = Table(
    "care_routine",
    metadata,
    Column("household_id", Integer, ForeignKey("care_households.id", ondelete="CASCADE"), primary_key=True),
    _tenant(),
    Column("medication", JSON, nullable=True, comment="pill box: dose times, window (MedicationConfig)"),
    Column("vitals", JSON, nullable=True, comment="the resident's blood pressure and glucose ranges (VitalsConfig)"),
    Column("updated_at", BigInteger, nullable=False),
)

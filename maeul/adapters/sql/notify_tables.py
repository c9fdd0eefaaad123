"""Tables of notifications: channel settings, contacts, escalation policies and state, the outbox and its log."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

from maeul.adapters.sql import alarm_tables  # noqa: F401  (escalations refer to alarms)
from maeul.adapters.sql.tables import metadata

# One row per configured channel of a tenant: the table build_channels() takes under the channel's name.
notify_channels = Table(
    "notify_channels",
    metadata,
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("channel", String(10), primary_key=True, comment="email, webhook, webpush or sms"),
    Column("config", JSON, nullable=False, comment="as maeul.adapters.notify.registry expects; holds secrets"),
    Column("updated_at", BigInteger, nullable=False),
)

# People to notify: a user's own settings (user_id set) or someone outside the platform (family, 119, ...).
notify_contacts = Table(
    "notify_contacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("addresses", JSON, nullable=False, comment="channel -> address"),
    Column("channels", JSON, nullable=False, comment="preferred channel order"),
    Column("language", String(4), nullable=False, comment="ko, en or both"),
    Column("quiet_start", String(5), nullable=True, comment="HH:MM in the tenant's time zone"),
    Column("quiet_end", String(5), nullable=True),
    Column("note", Text, nullable=True),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "user_id", name="uq_notify_contacts_tenant_user"),
)

notify_policies = Table(
    "notify_policies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("alarm_type", String(100), nullable=False, comment="an alarm type or *"),
    Column("min_severity", String(10), nullable=False),
    Column("steps", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_notify_policies_tenant", notify_policies.c.tenant_id)

# The escalation of one alarm: the next step to run and when; stopped by acknowledgement or clearing.
notify_escalations = Table(
    "notify_escalations",
    metadata,
    Column("alarm_id", Integer, ForeignKey("alarms.id", ondelete="CASCADE"), primary_key=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("policy_id", Integer, ForeignKey("notify_policies.id", ondelete="SET NULL"), nullable=True),
    Column("started_at", BigInteger, nullable=False),
    Column("next_step", Integer, nullable=False),
    Column("due_at", BigInteger, nullable=True, comment="null: no further step"),
    Column("stopped", Boolean, nullable=False),
    Column("stop_reason", String(20), nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_notify_escalations_due", notify_escalations.c.stopped, notify_escalations.c.due_at)

# The transactional outbox: written with the alarm change, delivered by the dispatcher. The id is the
# idempotency key (the same on every attempt).
notify_outbox = Table(
    "notify_outbox",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("alarm_id", Integer, nullable=True, comment="null for digests"),
    Column("kind", String(12), nullable=False, comment="raised, upgraded, escalated, cleared, assigned, digest"),
    Column("step", Integer, nullable=True),
    Column("recipient", String(20), nullable=False, comment="u<user id>, c<contact id> or r<resident id>"),
    Column("recipient_name", String(200), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("address", Text, nullable=False),
    Column("severity", String(10), nullable=True),
    Column(
        "notification",
        JSON,
        nullable=True,
        comment="the rendered Notification; null until a digest is built, and for rows that take a template",
    ),
    Column(
        "template_id",
        String(200),
        nullable=True,
        comment="notify_templates.id: the shared texts of a message sent to many (a warning to residents)",
    ),
    Column("fallbacks", JSON, nullable=False, comment="[[channel, address], ...] to try after a permanent failure"),
    Column("status", String(12), nullable=False, comment="pending, delivered, failed, suppressed, digested"),
    Column("deferred", String(12), nullable=True, comment="quiet_hours or storm"),
    Column("digest_id", String(200), nullable=True, comment="for digested rows: the digest that carries them"),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("claimed_until", BigInteger, nullable=True),
    Column("claim_token", String(32), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("delivered_at", BigInteger, nullable=True),
    Column("last_status", String(40), nullable=True),
    Column("last_error", Text, nullable=True),
)
Index("ix_notify_outbox_due", notify_outbox.c.status, notify_outbox.c.next_attempt_at)
Index("ix_notify_outbox_alarm", notify_outbox.c.tenant_id, notify_outbox.c.alarm_id)
Index("ix_notify_outbox_tenant_created", notify_outbox.c.tenant_id, notify_outbox.c.created_at)
Index("ix_notify_outbox_digest", notify_outbox.c.digest_id)

# A message's texts shared by every outbox row that names it (template_id): a warning to 100,000 residents is
# stored once, not once per resident. The row's own id, channel and address complete it (notify_outbox.merged).
# No foreign key from the outbox: its check would cost each of the 100,000 rows; templates are never deleted.
notify_templates = Table(
    "notify_templates",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("notification", JSON, nullable=False, comment="a Notification without id, channel and recipient"),
    Column("created_at", BigInteger, nullable=False),
)

notify_attempts = Table(
    "notify_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("outbox_id", String(200), ForeignKey("notify_outbox.id", ondelete="CASCADE"), nullable=False),
    Column("tenant_id", String(40), nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("status", String(40), nullable=False),
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=True),
    Column("detail", JSON, nullable=False),
)
Index("ix_notify_attempts_outbox", notify_attempts.c.outbox_id, notify_attempts.c.id)

# Storm control: each recipient's current rate window.
notify_rate_windows = Table(
    "notify_rate_windows",
    metadata,
    Column("tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("recipient", String(20), primary_key=True),
    Column("window_start", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
)

"""Tables of the complaints service, on the shared metadata (SQLAlchemy Core).

Times are epoch milliseconds. A request's reporter contact (name, e-mail, phone) is never published: the
Open311 and public views read only the columns listed in :mod:`maeul.services.complaints.views`.
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
    LargeBinary,
    String,
    Table,
    Text,
)

from maeul.adapters.sql.tables import metadata


def _tenant(primary_key: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(
        "tenant_id", String(40), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, primary_key=primary_key
    )


complaints_settings = Table(
    "complaints_settings",
    metadata,
    _tenant(primary_key=True),
    Column("jurisdiction_id", String(100), nullable=True, unique=True, comment="Open311 jurisdiction_id"),
    Column("holidays", JSON, nullable=False, comment="ISO dates that are no working days (besides weekends)"),
    Column("triage_threshold", Float, nullable=False, server_default="0.5"),
    Column("updated_at", BigInteger, nullable=False),
)

complaints_keys = Table(
    "complaints_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("name", String(200), nullable=False, comment="the client application"),
    Column("digest", String(64), nullable=False, unique=True, comment="SHA-256 of the key"),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    sqlite_autoincrement=True,
)

complaints_categories = Table(
    "complaints_categories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("code", String(64), nullable=False, comment="Open311 service_code"),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("description", Text, nullable=True),
    Column("kind", String(20), nullable=False, comment="grievance, question, proposal, legal_question"),
    Column("department_id", Integer, ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    Column("keywords", String(500), nullable=True),
    Column("group_name", String(100), nullable=True),
    Column("attributes", JSON, nullable=False, comment="Open311 attribute definitions"),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index(
    "uq_complaints_categories_tenant_code", complaints_categories.c.tenant_id, complaints_categories.c.code, unique=True
)

complaints_requests = Table(
    "complaints_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("category_id", Integer, ForeignKey("complaints_categories.id", ondelete="RESTRICT"), nullable=False),
    Column("status", String(30), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("description", Text, nullable=True),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("address", Text, nullable=True),
    Column("address_id", String(200), nullable=True),
    Column("zipcode", String(20), nullable=True),
    Column("attributes", JSON, nullable=False),
    Column("media_url", Text, nullable=True, comment="a link the client sent (not fetched)"),
    Column("first_name", String(200), nullable=True),
    Column("last_name", String(200), nullable=True),
    Column("email", String(254), nullable=True),
    Column("phone", String(40), nullable=True),
    Column("device_id", String(200), nullable=True),
    Column("account_id", String(200), nullable=True),
    Column("anonymous", Boolean, nullable=False, server_default="0"),
    Column("token", String(40), nullable=False, unique=True, comment="the reporter's handle: Open311 token"),
    Column("key_id", Integer, ForeignKey("complaints_keys.id", ondelete="SET NULL"), nullable=True),
    Column("department_id", Integer, ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    Column("assignee_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("status_notes", Text, nullable=True, comment="the public answer"),
    Column("merged_into", Integer, ForeignKey("complaints_requests.id", ondelete="SET NULL"), nullable=True),
    Column("suggested_code", String(64), nullable=True, comment="the classifier's category"),
    Column("confidence", Float, nullable=True),
    Column("needs_triage", Boolean, nullable=False, server_default="0"),
    Column("requested_at", BigInteger, nullable=False),
    Column("deadline_at", BigInteger, nullable=False),
    Column("extensions", Integer, nullable=False, server_default="0"),
    Column("updated_at", BigInteger, nullable=False),
    Column("closed_at", BigInteger, nullable=True),
    Column("rating", Integer, nullable=True),
    Column("rating_comment", Text, nullable=True),
    sqlite_autoincrement=True,
)
Index("ix_complaints_requests_tenant_time", complaints_requests.c.tenant_id, complaints_requests.c.requested_at)
Index("ix_complaints_requests_tenant_updated", complaints_requests.c.tenant_id, complaints_requests.c.updated_at)

complaints_events = Table(
    "complaints_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("request_id", Integer, ForeignKey("complaints_requests.id", ondelete="CASCADE"), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("kind", String(20), nullable=False, comment="created, status, transfer, assign, answer, extend, ..."),
    Column("status", String(30), nullable=False, comment="the request's status after the event"),
    Column("public_text", Text, nullable=True, comment="shown to the reporter and in Open311 updates"),
    Column("note", Text, nullable=True, comment="staff only"),
    Column("actor_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("department_id", Integer, ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    Column("data", JSON, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_complaints_events_request", complaints_events.c.request_id)
Index("ix_complaints_events_tenant_at", complaints_events.c.tenant_id, complaints_events.c.at)

complaints_photos = Table(
    "complaints_photos",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("request_id", Integer, ForeignKey("complaints_requests.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Integer, ForeignKey("complaints_events.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(64), nullable=False, unique=True, comment="random file name in the data directory"),
    Column("content_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_complaints_photos_request", complaints_photos.c.request_id)

NAMES = (
    "complaints_settings",
    "complaints_keys",
    "complaints_categories",
    "complaints_requests",
    "complaints_events",
    "complaints_photos",
)

# --- complaints_0002: labelled examples for the classifier and the trained models, per tenant -----------------

complaints_labelled = Table(
    "complaints_labelled",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("text", Text, nullable=False),
    Column("category", String(64), nullable=False),
    Column("department", String(64), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("created_at", BigInteger, nullable=True, comment="when the complaint was made (epoch ms)"),
    Column("district_code", String(20), nullable=True),
    Column("source", String(20), nullable=False, comment="import or correction"),
    Column("request_id", Integer, nullable=True, comment="the request a staff correction came from"),
    Column("weight", Float, nullable=False, server_default="1"),
    Column("imported_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_complaints_labelled_tenant", complaints_labelled.c.tenant_id)

complaints_models = Table(
    "complaints_models",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("version", Integer, nullable=False),
    Column("model", LargeBinary, nullable=False, comment="Classifier.to_bytes(key=...), HMAC key in data_dir"),
    Column("metrics", JSON, nullable=False),
    Column("trained_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_complaints_models_tenant", complaints_models.c.tenant_id, complaints_models.c.version)

NAMES_0002 = ("complaints_labelled", "complaints_models")

# --- complaints_0003: residents following a request they did not report ("follow this one instead") ---------

complaints_followers = Table(
    "complaints_followers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant(),
    Column("request_id", Integer, ForeignKey("complaints_requests.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(254), nullable=True),
    Column("phone", String(40), nullable=True),
    Column("token", String(40), nullable=False, unique=True, comment="the follower's handle to track the request"),
    Column("created_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_complaints_followers_request", complaints_followers.c.tenant_id, complaints_followers.c.request_id)

NAMES_0003 = ("complaints_followers",)

"""Residents who subscribe without an account, their places, and the set-based fan-out of a warning.

A subscription starts ``pending``; the confirmation code goes to the address itself, so nobody can subscribe
someone else. Each subscriber also gets a management token (in every message) to unsubscribe. Tokens are stored
as SHA-256 digests only.

The fan-out is one ``INSERT ... SELECT`` into the notifications outbox per message (per part of the subscribers for
large areas on PostgreSQL, see fanout.py): the outbox id is ``w<message id>.s<subscriber id>`` (its primary key),
so a resident is told about a message once, however many of their places the area covers and however often the
fan-out runs.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape
from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    String,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from maeul.adapters.notify.sms import normalize_phone
from maeul.adapters.notify.webpush import PushSubscription
from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql import notify_outbox as outbox_store
from maeul.adapters.sql.errors import Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.adapters.sql.notify_tables import notify_outbox
from maeul.platform.notify.wakeup import mark_queued
from maeul.services.warnings.core import areas
from maeul.services.warnings.tables import places, subscriber_districts, subscribers

CHANNELS = ("email", "sms", "webpush")
LANGUAGES = ("ko", "en", "both")
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
MAX_PLACES = 10


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_address(channel: str, address: str) -> tuple[str, str]:
    """(address to store, key that identifies it); Invalid with the reason when it is not an address."""
    address = address.strip()
    if channel == "email":
        if not _EMAIL.fullmatch(address):
            raise Invalid(f"{address!r} is not an e-mail address")
        return address, address.lower()
    if channel == "sms":
        try:
            number = normalize_phone(address, "e164", "82")
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        return number, number
    if channel == "webpush":
        try:
            sub = PushSubscription.parse(address)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        return address, sub.endpoint
    raise Invalid(f"channel {channel!r}: one of {', '.join(CHANNELS)} expected")


@dataclass(frozen=True, slots=True)
class Place:
    district_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    radius_m: float | None = None


@dataclass(frozen=True, slots=True)
class NewSubscription:
    subscriber: dict[str, Any]
    confirm_token: str | None  # None when the address was already confirmed (places replaced)
    manage_token: str


def _district_shapes(conn: Connection, tenant_id: str) -> dict[str, Any]:
    return {d.code: shape(d.geometry) for d in district_repo.list_districts(conn, tenant_id)}


def _touched(place: Place, shapes: dict[str, Any]) -> list[str]:
    if place.district_code is not None:
        if place.district_code not in shapes:
            raise Invalid(f"district {place.district_code!r} is not one of this municipality's districts")
        return [place.district_code]
    if place.lon is None or place.lat is None or place.radius_m is None:
        raise Invalid("a place is a district_code, or lon, lat and radius_m")
    try:
        disc = areas.circle(place.lon, place.lat, place.radius_m)
    except areas.AreaError as exc:
        raise Invalid(str(exc)) from None
    return areas.districts_touched(disc, shapes.items())


def subscribe(
    conn: Connection,
    tenant_id: str,
    channel: str,
    address: str,
    language: str,
    min_stage: int,
    wanted: Sequence[Place],
    now: int,
) -> NewSubscription:
    """Add (or, for a known address, replace the places of) a subscription; nothing is written on bad input."""
    if language not in LANGUAGES:
        raise Invalid(f"language {language!r}: one of {', '.join(LANGUAGES)} expected")
    if not 1 <= min_stage <= 4:
        raise Invalid("min_stage: 1 (관심) to 4 (심각) expected")
    if not 1 <= len(wanted) <= MAX_PLACES:
        raise Invalid(f"name 1 to {MAX_PLACES} places")
    stored, key = normalise_address(channel, address)
    shapes = _district_shapes(conn, tenant_id)
    touched = [_touched(place, shapes) for place in wanted]
    row = (
        conn.execute(
            select(subscribers).where(
                subscribers.c.tenant_id == tenant_id, subscribers.c.channel == channel, subscribers.c.address_key == key
            )
        )
        .mappings()
        .first()
    )
    manage = secrets.token_urlsafe(32)
    confirm: str | None = secrets.token_urlsafe(16)
    values: dict[str, Any] = {"language": language, "min_stage": min_stage, "manage_hash": digest(manage)}
    if row is None:
        result = conn.execute(
            insert(subscribers).values(
                tenant_id=tenant_id,
                channel=channel,
                address=stored,
                address_key=key,
                status="pending",
                confirm_hash=digest(confirm or ""),
                created_at=now,
                **values,
            )
        )
        subscriber_id = inserted_id(result)
    else:
        subscriber_id = int(row["id"])
        if row["status"] == "active":
            confirm = None
        else:
            values.update(status="pending", confirm_hash=digest(confirm or ""))
        conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(address=stored, **values))
        conn.execute(delete(places).where(places.c.subscriber_id == subscriber_id))
        conn.execute(delete(subscriber_districts).where(subscriber_districts.c.subscriber_id == subscriber_id))
    conn.execute(
        insert(places),
        [
            {
                "subscriber_id": subscriber_id,
                "tenant_id": tenant_id,
                "district_code": p.district_code,
                "lon": p.lon,
                "lat": p.lat,
                "radius_m": p.radius_m,
            }
            for p in wanted
        ],
    )
    codes = sorted({code for found in touched for code in found})
    if codes:
        conn.execute(
            insert(subscriber_districts),
            [{"subscriber_id": subscriber_id, "district_code": c, "tenant_id": tenant_id} for c in codes],
        )
    return NewSubscription(get_subscriber(conn, tenant_id, subscriber_id), confirm, manage)


def get_subscriber(conn: Connection, tenant_id: str, subscriber_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(
                subscribers.c.id,
                subscribers.c.channel,
                subscribers.c.language,
                subscribers.c.min_stage,
                subscribers.c.status,
                subscribers.c.created_at,
                subscribers.c.confirmed_at,
            ).where(subscribers.c.id == subscriber_id, subscribers.c.tenant_id == tenant_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"subscription {subscriber_id} not found")
    out = dict(row)
    codes = conn.execute(
        select(subscriber_districts.c.district_code).where(subscriber_districts.c.subscriber_id == subscriber_id)
    )
    out["districts"] = sorted(codes.scalars())
    return out


def confirm(conn: Connection, tenant_id: str, token: str, now: int) -> dict[str, Any]:
    hashed = digest(token)
    row = conn.execute(
        select(subscribers.c.id, subscribers.c.status).where(
            subscribers.c.tenant_id == tenant_id, subscribers.c.confirm_hash == hashed
        )
    ).first()
    if row is None:
        raise NotFound("the confirmation code is unknown or was already used")
    conn.execute(
        update(subscribers)
        .where(subscribers.c.id == row.id)
        .values(status="active", confirmed_at=now, confirm_hash=None)
    )
    return get_subscriber(conn, tenant_id, int(row.id))


def unsubscribe(conn: Connection, tenant_id: str, token: str) -> dict[str, Any]:
    """Stop every message to the subscriber (idempotent for the same token)."""
    row = conn.execute(
        select(subscribers.c.id).where(subscribers.c.tenant_id == tenant_id, subscribers.c.manage_hash == digest(token))
    ).first()
    if row is None:
        raise NotFound("the unsubscribe code is unknown")
    conn.execute(update(subscribers).where(subscribers.c.id == row.id).values(status="unsubscribed"))
    return get_subscriber(conn, tenant_id, int(row.id))


def counts(conn: Connection, tenant_id: str) -> dict[str, int]:

    rows = conn.execute(
        select(subscribers.c.status, func.count())
        .where(subscribers.c.tenant_id == tenant_id)
        .group_by(subscribers.c.status)
    )
    return {str(status): int(n) for status, n in rows}


# --- the fan-out ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for every resident of an area: texts in both languages and what ties it to the warning."""

    tenant_id: str
    message_id: int
    kind: str  # cap_alert, cap_update, cap_cancel
    severity: str
    max_stage: int  # residents whose min_stage is at most this are told
    subject_ko: str
    subject_en: str
    body_ko: str
    body_en: str
    data: dict[str, Any]
    now: int


def _template_prefix(out: Outgoing) -> str:
    """Template ids of a message are this prefix and a reading language (``w<message>.<language>``)."""
    return f"w{out.message_id}."


def add_templates(conn: Connection, out: Outgoing) -> None:
    """Store the message's texts once per reading language, for fan_out's rows to name."""
    shared = {
        "subject_ko": out.subject_ko,
        "subject_en": out.subject_en,
        "body_ko": out.body_ko,
        "body_en": out.body_en,
        "created_at": out.now,
        "data": out.data,
    }
    rows = [
        {
            "id": _template_prefix(out) + language,
            "tenant_id": out.tenant_id,
            "notification": {**shared, "language": language},
            "created_at": out.now,
        }
        for language in LANGUAGES
    ]
    outbox_store.insert_templates(conn, rows)


def fan_out(conn: Connection, out: Outgoing, where: ColumnElement[bool]) -> int:
    """Queue the message for every active subscriber matching ``where``; returns the rows written.

    One ``INSERT ... SELECT``: the rows never pass through Python. The outbox id ``w<message>.s<subscriber>`` is the
    outbox's primary key and conflicts are skipped, so running it twice (or over overlapping sets) writes nothing new.
    Each row names the template of its resident's language (:func:`add_templates`, stored with the message) rather
    than copying the texts: per row, the server writes an id and an address, not a kilobyte of JSON.
    """
    s = subscribers.c
    postgres = conn.dialect.name == "postgresql"
    outbox_id = literal(f"w{out.message_id}.s", String) + cast(s.id, String)
    columns = {
        "id": outbox_id,
        "tenant_id": s.tenant_id,
        "kind": literal(out.kind, String),
        "recipient": literal("r", String) + cast(s.id, String),
        "recipient_name": literal("resident", String),
        "channel": s.channel,
        "address": s.address,
        "severity": literal(out.severity, String),
        "template_id": literal(_template_prefix(out), String) + s.language,
        "fallbacks": cast(literal("[]", String), JSON) if postgres else literal("[]", String),
        "status": literal("pending", String),
        "attempts": literal(0),
        "next_attempt_at": literal(out.now, BigInteger),
        "created_at": literal(out.now, BigInteger),
    }
    query = select(*[value.label(name) for name, value in columns.items()]).where(
        s.tenant_id == out.tenant_id, s.status == "active", s.min_stage <= out.max_stage, where
    )
    dialect = postgresql if postgres else sqlite
    statement = dialect.insert(notify_outbox).from_select(list(columns), query).on_conflict_do_nothing()
    # preserve_rowcount: SQLAlchemy otherwise closes the cursor of an INSERT without RETURNING before reading it
    written = int(conn.execute(statement, execution_options={"preserve_rowcount": True}).rowcount or 0)
    if written:
        mark_queued(conn)
    return written


def in_districts(tenant_id: str, codes: Sequence[str]) -> ColumnElement[bool]:
    """Subscribers any of whose places touch one of the districts."""
    d = subscriber_districts.c
    return exists(
        select(d.subscriber_id).where(
            d.tenant_id == tenant_id, d.subscriber_id == subscribers.c.id, d.district_code.in_(list(codes))
        )
    )


def ids_in_polygon(conn: Connection, tenant_id: str, area: Any, touched_codes: Sequence[str]) -> list[int]:
    """Subscribers with a district place among ``touched_codes`` or a point/circle place meeting ``area``."""
    found: set[int] = set()
    if touched_codes:
        found.update(
            conn.execute(
                select(places.c.subscriber_id).where(
                    places.c.tenant_id == tenant_id, places.c.district_code.in_(list(touched_codes))
                )
            ).scalars()
        )
    rows = conn.execute(
        select(places.c.subscriber_id, places.c.lon, places.c.lat, places.c.radius_m).where(
            places.c.tenant_id == tenant_id, places.c.lon.is_not(None)
        )
    )
    for subscriber_id, lon, lat, radius in rows:
        if subscriber_id not in found and areas.matches(area, lon, lat, radius):
            found.add(subscriber_id)
    return sorted(found)


def queue_one(conn: Connection, tenant_id: str, row: dict[str, Any]) -> None:
    """One message outside a warning (the confirmation code)."""
    outbox_store.insert_outbox(conn, [{**row, "tenant_id": tenant_id}])
    mark_queued(conn)

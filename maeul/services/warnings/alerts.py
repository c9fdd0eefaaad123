"""Warnings and their CAP messages: issue (Alert), update (Update) and all-clear (Cancel), each published as a
CAP 1.2 document and handed to every subscribed resident of the area in the same transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import shape
from sqlalchemy import Connection, and_, desc, func, select, update

from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql.errors import Invalid, NotFound
from maeul.adapters.sql.ids import inserted_id
from maeul.adapters.sql.tables import tenants
from maeul.services.warnings import fanout, residents, shelter_store
from maeul.services.warnings.core import areas, cap
from maeul.services.warnings.core.stages import stage_name
from maeul.services.warnings.core.texts import Situation, Texts, render
from maeul.services.warnings.tables import alerts, messages, subscriber_districts, subscribers

GEOCODE = "SGIS-ADM-CD"  # Statistics Korea (SGIS) administrative district code
KIND = {"Alert": "cap_alert", "Update": "cap_update", "Cancel": "cap_cancel"}


def sender(tenant_id: str) -> str:
    return f"maeul.{tenant_id}"


@dataclass(frozen=True, slots=True)
class Reading:
    """What a station reported when its stage changed."""

    station_ko: str
    station_en: str | None
    value: float
    unit: str
    forecast: float | None
    horizon_min: int
    certainty: str  # Observed, or Likely when the forecast or the rate of rise raised the stage
    ts: int
    lon: float | None
    lat: float | None


def _tenant(conn: Connection, tenant_id: str) -> tuple[str, str, str]:
    row = conn.execute(select(tenants.c.name, tenants.c.name_en, tenants.c.timezone).where(tenants.c.id == tenant_id))
    name, name_en, zone = row.one()
    return str(name), str(name_en or name), str(zone)


def _area(conn: Connection, tenant_id: str, alert: dict[str, Any]) -> tuple[cap.CapArea, str, str, Any]:
    found = {d.code: d for d in district_repo.list_districts(conn, tenant_id)}
    codes = list(alert["district_codes"])
    shapes = {c: shape(found[c].geometry) for c in codes if c in found}
    geom = areas.WarningArea(tuple(shapes), alert["polygon"]).geometry(shapes)
    names_ko = [found[c].name for c in codes if c in found]
    names_en = [found[c].name_en or found[c].name for c in codes if c in found]
    if alert["polygon"] is not None:
        names_ko.append("지정 구역")
        names_en.append("drawn area")
    area_ko, area_en = ", ".join(names_ko), ", ".join(names_en)
    cap_area = cap.CapArea(
        description=f"{area_ko} / {area_en}",
        polygons=tuple(areas.cap_rings(geom)),
        geocodes=tuple((GEOCODE, c) for c in codes if c in found),
    )
    return cap_area, area_ko, area_en, geom


def _shelter_text(
    conn: Connection, tenant_id: str, event_en: str, geom: Any, reading: Reading | None, zone: str, now: int
) -> tuple[str | None, str | None]:
    point = (reading.lon, reading.lat) if reading and reading.lon is not None and reading.lat is not None else None
    if point is None:
        centre = geom.representative_point()
        point = (centre.x, centre.y)
    local = datetime.fromtimestamp(now / 1000, tz=UTC).astimezone(ZoneInfo(zone))
    kind = "heat" if event_en.lower().startswith("heat") else "evacuation"
    found = shelter_store.nearest(conn, tenant_id, point[0], point[1], local, kind, limit=1)
    if not found:
        found = shelter_store.nearest(conn, tenant_id, point[0], point[1], local, None, limit=1)
    if not found:
        return None, None
    best = found[0]
    km = f"{best['distance_m'] / 1000:.1f} km"
    return f"{best['name']} ({km})", f"{best['name_en'] or best['name']} ({km})"


def _infos(
    alert: dict[str, Any],
    stage: int,
    texts: Texts,
    area: cap.CapArea,
    certainty: str,
    tz: str,
    now: int,
    sender_names: tuple[str, str],
    cancel: bool,
) -> tuple[cap.CapInfo, ...]:
    level = max(stage, 1)
    response = ("AllClear",) if cancel else (cap.STAGE_RESPONSE[level],)
    common: dict[str, Any] = {
        "categories": (alert["category"],),
        "urgency": "Past" if cancel else cap.STAGE_URGENCY[level],
        "severity": "Minor" if cancel else cap.STAGE_SEVERITY[level],
        "certainty": "Observed" if cancel else certainty,
        "response_types": response,
        "event_codes": (("KR-STAGE", str(stage)),),
        "effective": cap.cap_time(now, tz),
        "expires": None if cancel else cap.cap_time(now + 6 * 3600_000, tz),
        "parameters": (("stage", str(stage)), ("stage_ko", stage_name(stage)), ("stage_en", stage_name(stage, "en"))),
        "areas": (area,),
    }
    return (
        cap.CapInfo(
            language="ko-KR",
            event=alert["event_ko"],
            sender_name=sender_names[0],
            headline=texts.headline_ko,
            description=texts.body_ko,
            instruction=texts.instruction_ko,
            **common,
        ),
        cap.CapInfo(
            language="en-US",
            event=alert["event_en"],
            sender_name=sender_names[1],
            headline=texts.headline_en,
            description=texts.body_en,
            instruction=texts.instruction_en,
            **common,
        ),
    )


def publish(
    conn: Connection,
    alert: dict[str, Any],
    msg_type: str,
    stage: int,
    previous: int,
    now: int,
    *,
    reading: Reading | None = None,
    note: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    """Write one CAP message of the warning and hand it to every resident of the area; returns the message row.

    Large areas on PostgreSQL are handed out after the commit, in parallel parts (fanout.py): the row then has
    ``fanout_ms`` NULL and ``recipients`` 0 until the last part commits."""
    started = time.perf_counter()
    tenant_id = alert["tenant_id"]
    name_ko, name_en, zone = _tenant(conn, tenant_id)
    cap_area, area_ko, area_en, geom = _area(conn, tenant_id, alert)
    shelter_ko, shelter_en = _shelter_text(conn, tenant_id, alert["event_en"], geom, reading, zone, now)
    situation = Situation(
        alert["event_ko"],
        alert["event_en"],
        stage,
        previous,
        area_ko,
        area_en,
        station_ko=reading.station_ko if reading else None,
        station_en=reading.station_en if reading else None,
        value=reading.value if reading else None,
        unit=reading.unit if reading else "",
        forecast=reading.forecast if reading else None,
        horizon_min=reading.horizon_min if reading else 30,
        shelter_ko=shelter_ko,
        shelter_en=shelter_en,
        note_ko=note[0],
        note_en=note[1],
    )
    texts = render(situation)
    earlier = conn.execute(
        select(messages.c.identifier, messages.c.sent).where(messages.c.alert_id == alert["id"]).order_by(messages.c.id)
    ).all()
    seq = len(earlier) + 1
    identifier = f"{sender(tenant_id)}.{alert['id']}.{seq}"
    sent = cap.cap_time(now, zone)
    document = cap.CapAlert(
        identifier=identifier,
        sender=sender(tenant_id),
        sent=sent,
        status=alert["status"],
        msg_type=msg_type,
        source="maeul",
        references=tuple(cap.Reference(sender(tenant_id), i, s) for i, s in earlier) if msg_type != "Alert" else (),
        incidents=(f"{sender(tenant_id)}.{alert['id']}",),
        infos=_infos(
            alert,
            stage,
            texts,
            cap_area,
            reading.certainty if reading else "Observed",
            zone,
            now,
            (name_ko, name_en),
            msg_type == "Cancel",
        ),
    )
    xml = cap.to_xml(document).decode()
    row: dict[str, Any] = {
        "tenant_id": tenant_id,
        "alert_id": alert["id"],
        "identifier": identifier,
        "msg_type": msg_type,
        "stage": stage,
        "sent_ms": now,
        "sent": sent,
        "headline_ko": texts.headline_ko,
        "headline_en": texts.headline_en,
        "body_ko": texts.body_ko,
        "body_en": texts.body_en,
        "instruction_ko": texts.instruction_ko,
        "instruction_en": texts.instruction_en,
        "created_at": now,
    }
    result = conn.execute(
        messages.insert().values(**row, cap_xml=xml, trigger_ts=reading.ts if reading else None, fanout_ms=None)
    )
    message_id = inserted_id(result)
    told = 0
    if alert["status"] == "Actual":  # exercises and tests are published, not sent to residents
        out = _outgoing({**row, "id": message_id}, max(alert["max_stage"], stage))
        residents.add_templates(conn, out)
        codes = list(alert["district_codes"])
        if alert["polygon"] is None and fanout.should_defer(conn, tenant_id, codes):
            # Many residents on PostgreSQL: handed over in parallel parts once this commits (see fanout.py).
            started_ms = round(time.time() * 1000 - (time.perf_counter() - started) * 1000)
            fanout.defer(conn, message_id, started_ms)
            return get_message(conn, tenant_id, message_id)
        if alert["polygon"] is None:
            told = residents.fan_out(conn, out, residents.in_districts(tenant_id, codes))
        else:
            ids = residents.ids_in_polygon(conn, tenant_id, geom, codes)
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]
                told += residents.fan_out(conn, out, subscribers.c.id.in_(chunk))
    elapsed = round((time.perf_counter() - started) * 1000)
    conn.execute(update(messages).where(messages.c.id == message_id).values(recipients=told, fanout_ms=elapsed))
    return get_message(conn, tenant_id, message_id)


def _outgoing(message: dict[str, Any], max_stage: int) -> residents.Outgoing:
    """What every resident of the area receives for one CAP message, from the message as stored."""
    msg_type, stage = str(message["msg_type"]), int(message["stage"])
    return residents.Outgoing(
        tenant_id=message["tenant_id"],
        message_id=int(message["id"]),
        kind=KIND[msg_type],
        severity="Minor" if msg_type == "Cancel" else cap.STAGE_SEVERITY[max(stage, 1)],
        max_stage=max_stage,
        subject_ko=message["headline_ko"],
        subject_en=message["headline_en"],
        body_ko=f"{message['body_ko']}\n{message['instruction_ko']}",
        body_en=f"{message['body_en']}\n{message['instruction_en']}",
        data={
            "cap_identifier": message["identifier"],
            "msg_type": msg_type,
            "stage": stage,
            "alert_id": message["alert_id"],
        },
        now=int(message["created_at"]),
    )


# --- deferred fan-outs (fanout.py): a message's area and texts, read back from the database -----------------------


def _deferred(conn: Connection, message_id: int) -> tuple[residents.Outgoing, list[str]] | None:
    """The message to hand out and its area's districts; None when there is nothing to hand out."""
    row = conn.execute(select(*_MESSAGE_LIST).where(messages.c.id == message_id)).mappings().first()
    if row is None:
        return None
    alert = conn.execute(select(alerts).where(alerts.c.id == row["alert_id"])).mappings().one()
    if alert["status"] != "Actual" or alert["polygon"] is not None or not alert["district_codes"]:
        return None
    # The highest stage of the warning up to this message: who was to be told when it was published.
    max_stage = conn.execute(
        select(func.max(messages.c.stage)).where(messages.c.alert_id == row["alert_id"], messages.c.id <= message_id)
    ).scalar_one()
    return _outgoing(dict(row), int(max_stage)), list(alert["district_codes"])


def deferred_range(conn: Connection, message_id: int) -> tuple[int, int] | None:
    """The subscriber ids to split into parts (those with a place in the area)."""
    found = _deferred(conn, message_id)
    if found is None:
        return None
    out, codes = found
    d = subscriber_districts.c
    low, high = conn.execute(
        select(func.min(d.subscriber_id), func.max(d.subscriber_id)).where(
            d.tenant_id == out.tenant_id, d.district_code.in_(codes)
        )
    ).one()
    return None if low is None else (int(low), int(high))


def deferred_part(conn: Connection, message_id: int, part: fanout.Part) -> int:
    """Hand the message to the residents of the area with ids in ``part``; returns the rows written."""
    found = _deferred(conn, message_id)
    if found is None:
        return 0
    out, codes = found
    where = and_(residents.in_districts(out.tenant_id, codes), subscribers.c.id.between(part.low, part.high))
    return residents.fan_out(conn, out, where)


def create_alert(conn: Connection, tenant_id: str, values: dict[str, Any], now: int) -> dict[str, Any]:
    result = conn.execute(
        alerts.insert().values(tenant_id=tenant_id, active=True, created_at=now, updated_at=now, **values)
    )
    return get_alert_row(conn, tenant_id, inserted_id(result))


def get_alert_row(conn: Connection, tenant_id: str, alert_id: int) -> dict[str, Any]:
    row = (
        conn.execute(select(alerts).where(alerts.c.id == alert_id, alerts.c.tenant_id == tenant_id)).mappings().first()
    )
    if row is None:
        raise NotFound(f"warning {alert_id} not found")
    return dict(row)


def active_for_station(conn: Connection, station_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(select(alerts).where(alerts.c.station_id == station_id, alerts.c.active.is_(True)))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def change_stage(
    conn: Connection, alert: dict[str, Any], stage: int, now: int, **kwargs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Update (stage 1-4) or all-clear (stage 0) an active warning; returns (warning, message)."""
    if not alert["active"]:
        raise Invalid(f"warning {alert['id']} was already cleared")
    previous = int(alert["stage"])
    msg_type = "Cancel" if stage == 0 else "Update"
    values = {"stage": stage, "max_stage": max(alert["max_stage"], stage), "active": stage != 0, "updated_at": now}
    message = publish(conn, alert, msg_type, stage, previous, now, **kwargs)
    conn.execute(update(alerts).where(alerts.c.id == alert["id"]).values(**values))
    return get_alert_row(conn, alert["tenant_id"], alert["id"]), message


def start_alert(
    conn: Connection, tenant_id: str, values: dict[str, Any], stage: int, now: int, **kwargs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    alert = create_alert(conn, tenant_id, {**values, "stage": stage, "max_stage": stage}, now)
    message = publish(conn, alert, "Alert", stage, 0, now, **kwargs)
    return alert, message


_MESSAGE_LIST = [c for c in messages.c if c.name != "cap_xml"]


def get_message(conn: Connection, tenant_id: str, message_id: int) -> dict[str, Any]:
    row = (
        conn.execute(select(*_MESSAGE_LIST).where(messages.c.id == message_id, messages.c.tenant_id == tenant_id))
        .mappings()
        .one()
    )
    return dict(row)


def list_alerts(conn: Connection, tenant_id: str, active: bool | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = select(alerts).where(alerts.c.tenant_id == tenant_id)
    if active is not None:
        query = query.where(alerts.c.active.is_(active))
    return [dict(r) for r in conn.execute(query.order_by(desc(alerts.c.id)).limit(limit)).mappings()]


def alert_with_messages(conn: Connection, tenant_id: str, alert_id: int) -> dict[str, Any]:
    out = get_alert_row(conn, tenant_id, alert_id)
    rows = conn.execute(select(*_MESSAGE_LIST).where(messages.c.alert_id == alert_id).order_by(messages.c.id))
    out["messages"] = [dict(r) for r in rows.mappings()]
    return out


def feed(conn: Connection, tenant_id: str, limit: int = 50) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(*_MESSAGE_LIST)
        .where(messages.c.tenant_id == tenant_id)
        .order_by(desc(messages.c.sent_ms), desc(messages.c.id))
        .limit(limit)
    )
    return [dict(r) for r in rows.mappings()]


def cap_document(conn: Connection, tenant_id: str, identifier: str) -> str:
    xml = conn.execute(
        select(messages.c.cap_xml).where(messages.c.tenant_id == tenant_id, messages.c.identifier == identifier)
    ).scalar_one_or_none()
    if xml is None:
        raise NotFound(f"CAP message {identifier!r} not found")
    return str(xml)

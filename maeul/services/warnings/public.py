"""Public routes (no account): the CAP feed and documents, the status of the stations for the portal map, the
nearest open shelter, and residents' subscriptions. The municipality is named by the ``tenant`` parameter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from maeul.adapters.http.deps import PlatformDep, ReadConn
from maeul.adapters.sql.accounts import get_tenant
from maeul.adapters.sql.errors import Conflict
from maeul.platform.app import Platform
from maeul.platform.clock import now_ms
from maeul.services.warnings import alerts, residents, shelter_store, stations
from maeul.services.warnings.core import cap
from maeul.services.warnings.core.stages import stage_name
from maeul.services.warnings.residents import Place
from maeul.services.warnings.schemas import SubscribeIn, TokenIn

PREFIX = "/api/v1/warnings/public"
TenantQ = Annotated[str, Query(min_length=1, max_length=40, description="the municipality, e.g. namyangju")]
HOUR = 3_600_000


def router() -> APIRouter:
    r = APIRouter(prefix=PREFIX, tags=["warnings (public)"])

    @r.get("/status")
    def public_status(tenant: TenantQ, conn: ReadConn) -> dict[str, Any]:
        """Every station with its current stage and the last 6 hours of readings (open data), and the active
        warnings: what the portal's map shows."""
        get_tenant(conn, tenant)
        items = []
        for s in stations.list_stations(conn, tenant):
            since = (s["last_ts"] or now_ms()) - 6 * HOUR
            items.append(
                {
                    "id": s["id"],
                    "name": s["name"],
                    "name_en": s["name_en"],
                    "kind": s["kind"],
                    "lon": s["lon"],
                    "lat": s["lat"],
                    "key": s["stage_key"],
                    "unit": s["unit"],
                    "stage": s["stage"],
                    "stage_ko": stage_name(s["stage"]),
                    "stage_en": stage_name(s["stage"], "en"),
                    "thresholds": s["config"]["thresholds"],
                    "last_ts": s["last_ts"],
                    "last_value": s["last_value"],
                    "forecast": (s["assessment"] or {}).get("forecast"),
                    "rate_per_h": (s["assessment"] or {}).get("rate_per_h"),
                    "readings": stations.recent_readings(conn, s["device_id"], s["stage_key"], since, 360),
                }
            )
        active = [
            {
                "id": a["id"],
                "event_ko": a["event_ko"],
                "event_en": a["event_en"],
                "stage": a["stage"],
                "district_codes": a["district_codes"],
                "station_id": a["station_id"],
            }
            for a in alerts.list_alerts(conn, tenant, active=True)
            if a["status"] == "Actual"
        ]
        return {"tenant": tenant, "stations": items, "active_alerts": active}

    @r.get("/feed", response_class=Response, responses={200: {"content": {"application/atom+xml": {}}}})
    def feed(tenant: TenantQ, request: Request, conn: ReadConn) -> Response:
        """An Atom index of the CAP messages, newest first; each entry links to its CAP 1.2 document."""
        info = get_tenant(conn, tenant)
        rows = alerts.feed(conn, tenant)
        zone = info.get("timezone") or "Asia/Seoul"
        base = str(request.base_url).rstrip("/")
        entries = [
            cap.FeedEntry(
                identifier=m["identifier"],
                title=f"{m['headline_ko']} / {m['headline_en']}",
                updated=cap.cap_time(m["sent_ms"], zone),
                summary=f"{m['body_ko']}\n{m['body_en']}",
                link=f"{base}{PREFIX}/cap?tenant={tenant}&identifier={m['identifier']}",
            )
            for m in rows
        ]
        updated = cap.cap_time(rows[0]["sent_ms"] if rows else info["created_at"], zone)
        body = cap.atom_feed(
            f"urn:maeul:{tenant}:warnings",
            f"{info['name']} 재난·환경 경보 / {info.get('name_en') or info['name']} warnings",
            updated,
            f"{base}{PREFIX}/feed?tenant={tenant}",
            entries,
        )
        return Response(body, media_type="application/atom+xml")

    @r.get("/cap", response_class=Response, responses={200: {"content": {"application/cap+xml": {}}}})
    def cap_document(
        tenant: TenantQ, conn: ReadConn, identifier: Annotated[str, Query(min_length=1, max_length=200)]
    ) -> Response:
        """One CAP 1.2 document as it was published."""
        return Response(alerts.cap_document(conn, tenant, identifier), media_type="application/cap+xml")

    @r.get("/shelters/nearest")
    def nearest_shelters(
        tenant: TenantQ,
        conn: ReadConn,
        lon: Annotated[float, Query(ge=-180, le=180)],
        lat: Annotated[float, Query(ge=-90, le=90)],
        kind: Annotated[str | None, Query(pattern="^(heat|cold|evacuation)$")] = None,
        limit: Annotated[int, Query(ge=1, le=20)] = 3,
    ) -> dict[str, Any]:
        """The nearest shelters open now (in the municipality's time zone), nearest first, with the distance."""
        info = get_tenant(conn, tenant)
        local = datetime.now(UTC).astimezone(ZoneInfo(info.get("timezone") or "Asia/Seoul"))
        items = shelter_store.nearest(conn, tenant, lon, lat, local, kind, limit)
        return {"items": [{k: v for k, v in item.items() if k != "tenant_id"} for item in items]}

    @r.post("/subscriptions")
    def subscribe(body: SubscribeIn, platform: PlatformDep) -> dict[str, Any]:
        """Subscribe an address to warnings for districts or points with a radius; a confirmation code is sent to
        the address, and nothing is delivered until it is confirmed."""
        return create_subscription(platform, body)

    @r.post("/subscriptions/confirm")
    def confirm(body: TokenIn, platform: PlatformDep) -> dict[str, Any]:
        """Confirm a subscription with the code sent to the address."""
        with platform.engine.begin() as conn:
            sub = residents.confirm(conn, body.tenant, body.token, now_ms())
        return {"status": sub["status"], "districts": sub["districts"]}

    @r.post("/subscriptions/unsubscribe")
    def unsubscribe(body: TokenIn, platform: PlatformDep) -> dict[str, Any]:
        """Stop all warnings to the address (the code is in every message)."""
        with platform.engine.begin() as conn:
            sub = residents.unsubscribe(conn, body.tenant, body.token)
        return {"status": sub["status"]}

    return r


def create_subscription(platform: Platform, body: SubscribeIn) -> dict[str, Any]:
    """A new (unconfirmed) subscription and its confirmation message queued to the address (API and portal)."""
    now = now_ms()
    with platform.engine.begin() as conn:
        get_tenant(conn, body.tenant)
        subscription = residents.subscribe(
            conn,
            body.tenant,
            body.channel,
            body.address,
            body.language,
            body.min_stage,
            [Place(p.district_code, p.lon, p.lat, p.radius_m) for p in body.places],
            now,
        )
        if subscription.confirm_token is None:
            raise Conflict("this address is already subscribed; unsubscribe first to change its places")
        sub = subscription.subscriber
        residents.queue_one(conn, body.tenant, _confirmation(sub, body, subscription, now))
    return {
        "status": sub["status"],
        "districts": sub["districts"],
        "message": "a confirmation code was sent to the address",
        "message_ko": "확인 코드를 보냈습니다. 코드를 입력하면 구독이 시작됩니다",
    }


def _confirmation(sub: dict[str, Any], body: SubscribeIn, subscription: Any, now: int) -> dict[str, Any]:
    outbox_id = f"wconfirm.{sub['id']}.{now}"
    code, manage = subscription.confirm_token, subscription.manage_token
    notification = {
        "id": outbox_id,
        "channel": body.channel,
        "recipient": residents.normalise_address(body.channel, body.address)[0],
        "subject_ko": "재난·환경 경보 구독 확인",
        "subject_en": "Confirm your subscription to warnings",
        "body_ko": f"확인 코드: {code}\n구독 해지 코드: {manage}",
        "body_en": f"Confirmation code: {code}\nUnsubscribe code: {manage}",
        "language": body.language,
        "data": {"kind": "warnings_confirmation"},
        "created_at": now,
    }
    return {
        "id": outbox_id,
        "kind": "confirm",
        "recipient": f"r{sub['id']}",
        "recipient_name": "resident",
        "channel": body.channel,
        "address": notification["recipient"],
        "severity": None,
        "notification": notification,
        "fallbacks": [],
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }

"""Turns an alarm event into outbox rows: recipients, channels, quiet hours, storm control, rendered texts."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from maeul.adapters.notify.message import Notification
from maeul.adapters.sql import notify_outbox as store
from maeul.adapters.sql.notifications import list_channel_rows
from maeul.core.alarms import Severity
from maeul.core.notify.model import Directory, Kind, Member, Person, Policy, Route, Step
from maeul.core.notify.quiet import quiet_hours, send_at
from maeul.core.notify.recipients import expand, routes
from maeul.core.notify.render import AlarmView, DigestItem, Event, Texts, render, render_digest
from maeul.core.notify.storm import StormRule, admit
from maeul.platform.notify.wakeup import mark_handed, mark_queued

log = logging.getLogger("maeul.notify")
NO_ROUTE = "no configured channel with an address for this recipient"
HAND_OVER_MAX = 50  # messages of one event handed over directly; more (a large audience) wait for a claim


@dataclass(frozen=True)
class Tenant:
    """What planning needs to know about a tenant, read once per event."""

    id: str
    name: str
    timezone: str
    directory: Directory
    configured: frozenset[str]


def person_from_contact(row: dict[str, Any], key: str, fallback_email: str | None = None) -> Person:
    """A contact row as a :class:`Person` (a user's e-mail fills in when the contact has none)."""
    addresses = dict(row.get("addresses") or {})
    if fallback_email and "email" not in addresses:
        addresses["email"] = fallback_email
    return Person(
        key=key,
        name=row["name"],
        addresses=addresses,
        channels=tuple(row.get("channels") or ()),
        language=row.get("language") or "ko",
        quiet=quiet_hours(row.get("quiet_start"), row.get("quiet_end")),
    )


def directory(user_rows: Sequence[dict[str, Any]], contact_rows: Sequence[dict[str, Any]]) -> Directory:
    """Users (their contact settings merged in) and the external contacts."""
    by_user = {c["user_id"]: c for c in contact_rows if c["user_id"] is not None}
    members: dict[int, Member] = {}
    for user in user_rows:
        contact = by_user.get(user["id"])
        key = f"u{user['id']}"
        if contact is not None:
            person = person_from_contact(contact, key, user["email"])
            active = bool(user["active"]) and bool(contact["active"])
        else:
            addresses = {"email": user["email"]} if user["email"] else {}
            person = Person(key, user["display_name"] or user["username"], addresses, ("email",))
            active = bool(user["active"])
        members[user["id"]] = Member(user["id"], user["role"], active, person)
    contacts = {
        c["id"]: person_from_contact(c, f"c{c['id']}") for c in contact_rows if c["user_id"] is None and c["active"]
    }
    return Directory(members, contacts)


def policy_from_row(row: dict[str, Any]) -> Policy:
    steps = tuple(
        Step(
            delay_s=int(s.get("delay_s", 0)),
            assignee=bool(s.get("assignee")),
            roles=tuple(s.get("roles") or ()),
            users=tuple(s.get("users") or ()),
            contacts=tuple(s.get("contacts") or ()),
            channels=tuple(s["channels"]) if s.get("channels") else None,
            all_channels=bool(s.get("all_channels")),
        )
        for s in row["steps"]
    )
    return Policy(row["id"], row["alarm_type"], Severity(row["min_severity"]), steps, bool(row["enabled"]))


def load_tenant(conn: Connection, tenant_id: str) -> Tenant:
    info = store.tenant_row(conn, tenant_id)
    users, contacts = store.directory_rows(conn, tenant_id)
    configured = frozenset(r["channel"] for r in list_channel_rows(conn, tenant_id))
    return Tenant(tenant_id, info["name"], info["timezone"], directory(users, contacts), configured)


def alarm_view(conn: Connection, alarm: dict[str, Any], tenant: Tenant) -> AlarmView:
    name = store.originator_name(conn, alarm["originator_kind"], alarm["originator_id"])
    return AlarmView(
        alarm_id=alarm["id"],
        type=alarm["type"],
        severity=Severity(alarm["severity"]),
        originator_kind=alarm["originator_kind"],
        originator_name=name or f"#{alarm['originator_id']}",
        start_ts=alarm["start_ts"],
        tenant_name=tenant.name,
        details=alarm.get("details") or {},
    )


class Planner:
    """Writes the outbox rows of one event, in the caller's transaction."""

    def __init__(self, clock: Callable[[], int], storm: StormRule) -> None:
        self.clock = clock
        self.storm = storm
        # (token, ms) while this process's dispatchers run: messages due now are written leased to them and handed
        # over after the commit, so their first delivery needs no claim (a write turn) of its own.
        self.lease: tuple[str, int] | None = None

    def step_targets(self, tenant: Tenant, alarm: dict[str, Any], step: Step) -> list[tuple[Person, list[Route]]]:
        people = expand(step, alarm.get("assignee_id"), tenant.directory)
        return [(p, routes(p, tenant.configured, step.channels, every=step.all_channels)) for p in people]

    def notify(
        self,
        conn: Connection,
        tenant: Tenant,
        alarm: dict[str, Any],
        event: Event,
        targets: Sequence[tuple[Person, Sequence[Route]]],
        tag: str,
    ) -> int:
        """Queue the event's message for each target; returns the number of rows written."""
        if not targets:
            return 0
        severity = Severity(alarm["severity"])
        texts = render(alarm_view(conn, alarm, tenant), event, tenant.timezone)
        data = {
            "alarm_id": alarm["id"],
            "tenant": tenant.id,
            "type": alarm["type"],
            "severity": severity.value,
            "kind": event.kind.value,
            "step": event.step,
            "originator_kind": alarm["originator_kind"],
            "originator_id": alarm["originator_id"],
        }
        rows: list[dict[str, Any]] = []
        for person, person_routes in sorted(targets, key=lambda t: t[0].key):
            base = f"{tenant.id}.a{alarm['id']}.{tag}.{person.key}"
            common = {
                "tenant_id": tenant.id,
                "alarm_id": alarm["id"],
                "kind": event.kind.value,
                "step": event.step,
                "recipient": person.key,
                "recipient_name": person.name[:200],
                "severity": severity.value,
                "created_at": event.at,
                "attempts": 0,
            }
            if not person_routes:
                log.warning("alarm %s: %s (%s) has no usable channel", alarm["id"], person.name, person.key)
                rows.append(_row(common, f"{base}.none", "none", "", None, (), "failed", event.at, None, NO_ROUTE))
                continue
            at, quiet = send_at(event.at, severity, person.quiet, tenant.timezone)
            window = store.rate_window(conn, tenant.id, person.key)
            admission = admit(
                window, at, self.storm, bypass=self.storm.critical_bypass and severity is Severity.CRITICAL
            )
            store.save_rate_window(conn, tenant.id, person.key, admission.window)
            status = "pending" if admission.individual else "digested"
            deferred = "storm" if not admission.individual else ("quiet_hours" if quiet else None)
            for route in person_routes:
                note = _notification(f"{base}.{route.channel}", route, texts, person.language, data, event.at)
                rows.append(
                    _row(common, note.id, route.channel, route.address, note, route.fallbacks, status,
                         admission.release_at, deferred, None)
                )  # fmt: skip
        handed = self._lease_due(rows, event.at)
        written = store.insert_outbox(conn, rows)
        if written:
            mark_queued(conn)
            if handed:
                mark_handed(conn, handed)
        return written

    def _lease_due(self, rows: list[dict[str, Any]], now: int) -> list[str]:
        """Lease the rows due now to this process's dispatchers (at most ``HAND_OVER_MAX``); their ids."""
        lease = self.lease
        if lease is None:
            return []
        token, ms = lease
        handed: list[str] = []
        for row in rows:
            if row["status"] == "pending" and row["next_attempt_at"] <= now and len(handed) < HAND_OVER_MAX:
                row.update(claimed_until=now + ms, claim_token=token)
                handed.append(row["id"])
        return handed

    def digest(self, conn: Connection, group: tuple[str, str, str, str], token: str) -> int:
        """Fold the released messages of one recipient and channel into one digest row; returns how many."""
        now = self.clock()
        items = store.take_folded(conn, group, now, token)
        if not items:
            return 0
        tenant_id, recipient, channel, address = group
        digest_id = f"{tenant_id}.dg.{recipient}.{channel}.{_digest_hash(items)}"
        store.rename_digest(conn, token, digest_id)
        info = store.tenant_row(conn, tenant_id)
        notes = [i["notification"] or {} for i in items]
        listed = [
            DigestItem(i["created_at"], n.get("subject_ko", ""), n.get("subject_en", ""))
            for i, n in zip(items, notes, strict=True)
        ]
        start, end = min(i["created_at"] for i in items), max(i["next_attempt_at"] for i in items)
        texts = render_digest(listed, start, end, info["timezone"])
        severity = max((Severity(i["severity"]) for i in items if i["severity"]), key=lambda s: s.rank)
        data = {
            "tenant": tenant_id,
            "kind": Kind.DIGEST.value,
            "severity": severity.value,
            "count": len(items),
            "alarm_ids": sorted({i["alarm_id"] for i in items if i["alarm_id"] is not None}),
        }
        first = items[0]
        route = Route(channel, address)
        note = _notification(digest_id, route, texts, notes[0].get("language", "ko"), data, now)
        common = {
            "tenant_id": tenant_id,
            "alarm_id": None,
            "kind": Kind.DIGEST.value,
            "step": None,
            "recipient": recipient,
            "recipient_name": first["recipient_name"],
            "severity": severity.value,
            "created_at": now,
            "attempts": 0,
        }
        fallbacks = tuple(tuple(f) for f in first["fallbacks"] or ())
        store.insert_outbox(
            conn, [_row(common, digest_id, channel, address, note, fallbacks, "pending", now, None, None)]
        )
        mark_queued(conn)
        return len(items)


def _digest_hash(items: Sequence[dict[str, Any]]) -> str:
    return hashlib.sha256("\n".join(sorted(i["id"] for i in items)).encode()).hexdigest()[:12]


def _notification(
    nid: str, route: Route, texts: Texts, language: str, data: dict[str, Any], created_at: int
) -> Notification:
    return Notification(
        id=nid,
        channel=route.channel,  # type: ignore[arg-type]
        recipient=route.address,
        subject_ko=texts.subject_ko,
        subject_en=texts.subject_en,
        body_ko=texts.body_ko,
        body_en=texts.body_en,
        language=language if language in ("ko", "en", "both") else "ko",  # type: ignore[arg-type]
        data=data,
        created_at=created_at,
    )


def _row(
    common: dict[str, Any],
    nid: str,
    channel: str,
    address: str,
    note: Notification | None,
    fallbacks: Sequence[tuple[str, str]],
    status: str,
    next_attempt_at: int,
    deferred: str | None,
    error: str | None,
) -> dict[str, Any]:
    return {
        **common,
        "id": nid,
        "channel": channel,
        "address": address,
        "notification": note.to_dict() if note is not None else None,
        "fallbacks": [list(f) for f in fallbacks],
        "status": status,
        "deferred": deferred,
        "next_attempt_at": next_attempt_at,
        "last_error": error,
    }

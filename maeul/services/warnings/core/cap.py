"""CAP 1.2 documents (OASIS Common Alerting Protocol, Version 1.2) and their Atom index.

Element names, order and value formats follow the specification's data dictionary: ``sent`` and other times as
``YYYY-MM-DDThh:mm:ss±hh:mm``; ``references`` as space-separated ``sender,identifier,sent`` triples;
``polygon`` as space-separated ``lat,lon`` pairs, first and last equal, at least four; ``circle`` as
``lat,lon radius`` (kilometres). Identifiers and senders must not contain spaces, commas or ``<`` / ``&``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lxml import etree

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
RESPONSE_TYPES = ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
_TOKEN = re.compile(r"[^\s,<&]+")

# The four Korean stages as CAP severity and urgency (관심 Minor/Future ... 심각 Extreme/Immediate).
STAGE_SEVERITY = {1: "Minor", 2: "Moderate", 3: "Severe", 4: "Extreme"}
STAGE_URGENCY = {1: "Future", 2: "Expected", 3: "Immediate", 4: "Immediate"}
STAGE_RESPONSE = {1: "Monitor", 2: "Prepare", 3: "Prepare", 4: "Evacuate"}


class CapError(ValueError):
    """A value CAP 1.2 does not allow; the message names the field."""


def cap_time(ms: int, timezone: str = "Asia/Seoul") -> str:
    """Epoch milliseconds as a CAP dateTime in the tenant's zone (no fractions, explicit offset)."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC).astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Reference:
    sender: str
    identifier: str
    sent: str  # as in the referenced message

    def text(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


@dataclass(frozen=True, slots=True)
class CapArea:
    description: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()  # rings of (lon, lat), closed
    circles: tuple[tuple[float, float, float], ...] = ()  # (lon, lat, radius in km)
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)


@dataclass(frozen=True, slots=True)
class CapInfo:
    language: str  # RFC 3066, e.g. ko-KR, en-US
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    response_types: tuple[str, ...] = ()
    event_codes: tuple[tuple[str, str], ...] = ()
    effective: str | None = None
    onset: str | None = None
    expires: str | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    areas: tuple[CapArea, ...] = ()


@dataclass(frozen=True, slots=True)
class CapAlert:
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    scope: str = "Public"
    source: str | None = None
    note: str | None = None
    references: tuple[Reference, ...] = ()
    incidents: tuple[str, ...] = ()
    infos: tuple[CapInfo, ...] = field(default_factory=tuple)

    def reference(self) -> Reference:
        """How a later message refers to this one."""
        return Reference(self.sender, self.identifier, self.sent)


def _check(alert: CapAlert) -> None:
    for name, value in (("identifier", alert.identifier), ("sender", alert.sender)):
        if not _TOKEN.fullmatch(value):
            raise CapError(f"{name} {value!r}: no spaces, commas, '<' or '&' allowed")
    for name, value, allowed in (
        ("status", alert.status, STATUSES),
        ("msgType", alert.msg_type, MSG_TYPES),
        ("scope", alert.scope, SCOPES),
    ):
        if value not in allowed:
            raise CapError(f"{name} {value!r}: one of {', '.join(allowed)} expected")
    if alert.msg_type in ("Update", "Cancel", "Ack", "Error") and not alert.references:
        raise CapError(f"a {alert.msg_type} message must reference the message(s) it concerns")
    for info in alert.infos:
        if not info.categories or any(c not in CATEGORIES for c in info.categories):
            raise CapError(f"category {info.categories!r}: one or more of {', '.join(CATEGORIES)} expected")
        for name, value, allowed in (
            ("urgency", info.urgency, URGENCIES),
            ("severity", info.severity, SEVERITIES),
            ("certainty", info.certainty, CERTAINTIES),
        ):
            if value not in allowed:
                raise CapError(f"{name} {value!r}: one of {', '.join(allowed)} expected")
        if any(r not in RESPONSE_TYPES for r in info.response_types):
            raise CapError(f"responseType {info.response_types!r}: values of {', '.join(RESPONSE_TYPES)} expected")
        for area in info.areas:
            for ring in area.polygons:
                if len(ring) < 4 or ring[0] != ring[-1]:
                    raise CapError("polygon: at least four points, the first and last equal")


def _sub(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None and text != "":
        etree.SubElement(parent, f"{{{CAP_NS}}}{name}").text = text


def _pairs(parent: etree._Element, name: str, pairs: Sequence[tuple[str, str]]) -> None:
    for value_name, value in pairs:
        element = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
        _sub(element, "valueName", value_name)
        etree.SubElement(element, f"{{{CAP_NS}}}value").text = value


def _coord(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def polygon_text(ring: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_coord(lat)},{_coord(lon)}" for lon, lat in ring)


def to_element(alert: CapAlert) -> etree._Element:
    """The ``alert`` element, checked against the specification's value lists first (CapError if wrong)."""
    _check(alert)
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    for name, value in (
        ("identifier", alert.identifier),
        ("sender", alert.sender),
        ("sent", alert.sent),
        ("status", alert.status),
        ("msgType", alert.msg_type),
        ("source", alert.source),
        ("scope", alert.scope),
        ("note", alert.note),
        ("references", " ".join(r.text() for r in alert.references) or None),
        ("incidents", " ".join(alert.incidents) or None),
    ):
        _sub(root, name, value)
    for info in alert.infos:
        element = etree.SubElement(root, f"{{{CAP_NS}}}info")
        _sub(element, "language", info.language)
        for category in info.categories:
            _sub(element, "category", category)
        _sub(element, "event", info.event)
        for response in info.response_types:
            _sub(element, "responseType", response)
        _sub(element, "urgency", info.urgency)
        _sub(element, "severity", info.severity)
        _sub(element, "certainty", info.certainty)
        _pairs(element, "eventCode", info.event_codes)
        for name, value in (
            ("effective", info.effective),
            ("onset", info.onset),
            ("expires", info.expires),
            ("senderName", info.sender_name),
            ("headline", info.headline),
            ("description", info.description),
            ("instruction", info.instruction),
            ("web", info.web),
            ("contact", info.contact),
        ):
            _sub(element, name, value)
        _pairs(element, "parameter", info.parameters)
        for area in info.areas:
            area_element = etree.SubElement(element, f"{{{CAP_NS}}}area")
            _sub(area_element, "areaDesc", area.description)
            for ring in area.polygons:
                _sub(area_element, "polygon", polygon_text(ring))
            for lon, lat, radius_km in area.circles:
                _sub(area_element, "circle", f"{_coord(lat)},{_coord(lon)} {radius_km:g}")
            _pairs(area_element, "geocode", area.geocodes)
    return root


def to_xml(alert: CapAlert) -> bytes:
    return bytes(etree.tostring(to_element(alert), xml_declaration=True, encoding="UTF-8", pretty_print=True))


@dataclass(frozen=True, slots=True)
class FeedEntry:
    identifier: str
    title: str
    updated: str  # RFC 3339
    summary: str
    link: str  # where the CAP document is


def atom_feed(feed_id: str, title: str, updated: str, self_link: str, entries: Sequence[FeedEntry]) -> bytes:
    """An Atom (RFC 4287) index of CAP documents, each entry linking to its document as application/cap+xml."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})

    def add(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
        if text is not None:
            element.text = text
        return element

    add(feed, "id", feed_id)
    add(feed, "title", title)
    add(feed, "updated", updated)
    add(feed, "link", rel="self", href=self_link, type="application/atom+xml")
    add(add(feed, "author"), "name", title)
    for entry in entries:
        item = add(feed, "entry")
        add(item, "id", f"urn:cap:{entry.identifier}")
        add(item, "title", entry.title)
        add(item, "updated", entry.updated)
        add(item, "summary", entry.summary)
        add(item, "link", rel="alternate", href=entry.link, type="application/cap+xml")
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True))

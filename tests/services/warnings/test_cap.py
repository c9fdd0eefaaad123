"""CAP 1.2 documents: fields, value checks, references, Atom index; every document valid against OASIS's schema."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from maeul.services.warnings.core import cap

NS = {"cap": cap.CAP_NS, "atom": cap.ATOM_NS}
RING = ((127.2, 37.5), (127.3, 37.5), (127.3, 37.6), (127.2, 37.5))


def info(**changes: object) -> cap.CapInfo:
    values: dict[str, object] = {
        "language": "ko-KR",
        "categories": ("Met",),
        "event": "하천 홍수",
        "urgency": "Expected",
        "severity": "Moderate",
        "certainty": "Likely",
        "response_types": ("Prepare",),
        "event_codes": (("KR-STAGE", "2"),),
        "effective": "2026-11-23T10:00:00+09:00",
        "expires": "2026-11-23T16:00:00+09:00",
        "headline": "[주의] 하천 홍수",
        "description": "설명 & <특수문자>",
        "instruction": "대피 준비",
        "parameters": (("stage", "2"),),
        "areas": (cap.CapArea("와부읍", (RING,), ((127.25, 37.55, 1.5),), (("SGIS-ADM-CD", "3113011"),)),),
    }
    values.update(changes)
    return cap.CapInfo(**values)  # type: ignore[arg-type]


def alert(**changes: object) -> cap.CapAlert:
    values: dict[str, object] = {
        "identifier": "maeul.namyangju.1.1",
        "sender": "maeul.namyangju",
        "sent": cap.cap_time(1_795_000_000_000),
        "status": "Actual",
        "msg_type": "Alert",
        "infos": (info(), info(language="en-US", event="River flood")),
    }
    values.update(changes)
    return cap.CapAlert(**values)  # type: ignore[arg-type]


def parse(document: cap.CapAlert) -> etree._Element:
    return etree.fromstring(cap.to_xml(document))


def test_cap_time_has_an_explicit_offset() -> None:
    assert cap.cap_time(1_795_000_000_000) == "2026-11-18T20:06:40+09:00"
    assert cap.cap_time(1_795_000_000_000, "UTC") == "2026-11-18T11:06:40+00:00"


def test_an_alert_has_every_required_field(cap_schema: etree.XMLSchema) -> None:
    root = parse(alert())
    cap_schema.assertValid(root)
    assert root.findtext("cap:identifier", namespaces=NS) == "maeul.namyangju.1.1"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert root.findtext("cap:scope", namespaces=NS) == "Public"
    first = root.find("cap:info", NS)
    assert first is not None
    assert first.findtext("cap:category", namespaces=NS) == "Met"
    assert first.findtext("cap:description", namespaces=NS) == "설명 & <특수문자>"
    area = first.find("cap:area", NS)
    assert area is not None
    assert area.findtext("cap:polygon", namespaces=NS) == "37.5,127.2 37.5,127.3 37.6,127.3 37.5,127.2"
    assert area.findtext("cap:circle", namespaces=NS) == "37.55,127.25 1.5"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "3113011"


@pytest.mark.parametrize("msg_type", ["Update", "Cancel"])
def test_updates_and_cancels_reference_earlier_messages(cap_schema: etree.XMLSchema, msg_type: str) -> None:
    first = alert()
    later = alert(identifier="maeul.namyangju.1.2", msg_type=msg_type, references=(first.reference(),))
    root = parse(later)
    cap_schema.assertValid(root)
    assert root.findtext("cap:references", namespaces=NS) == f"maeul.namyangju,maeul.namyangju.1.1,{first.sent}"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"identifier": "has space"}, "identifier"),
        ({"sender": "a,b"}, "sender"),
        ({"status": "Real"}, "status"),
        ({"msg_type": "Update"}, "reference"),
        ({"scope": "Everyone"}, "scope"),
        ({"infos": (info(categories=("Weather",)),)}, "category"),
        ({"infos": (info(urgency="Now"),)}, "urgency"),
        ({"infos": (info(severity="Bad"),)}, "severity"),
        ({"infos": (info(certainty="Sure"),)}, "certainty"),
        ({"infos": (info(response_types=("Run",)),)}, "responseType"),
        ({"infos": (info(areas=(cap.CapArea("x", (RING[:3],)),)),)}, "polygon"),
    ],
)
def test_values_cap_does_not_allow_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(cap.CapError, match=field):
        cap.to_xml(alert(**changes))


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=200),
    stage=st.integers(1, 4),
    lon=st.floats(124, 132),
    lat=st.floats(33, 39),
)
def test_any_text_and_place_give_a_valid_document(
    cap_schema: etree.XMLSchema, text: str, stage: int, lon: float, lat: float
) -> None:
    ring = ((lon, lat), (lon + 0.01, lat), (lon, lat + 0.01), (lon, lat))
    document = alert(
        infos=(
            info(
                headline=text,
                description=text,
                severity=cap.STAGE_SEVERITY[stage],
                urgency=cap.STAGE_URGENCY[stage],
                areas=(cap.CapArea(text or "area", (ring,)),),
            ),
        )
    )
    root = parse(document)
    cap_schema.assertValid(root)


def test_atom_index_links_each_cap_document() -> None:
    entries = [cap.FeedEntry("maeul.t.1.1", "제목", "2026-11-23T10:00:00+09:00", "요약", "http://x/cap?id=1")]
    root = etree.fromstring(cap.atom_feed("urn:maeul:t", "t", "2026-11-23T10:00:00+09:00", "http://x/feed", entries))
    assert root.tag == f"{{{cap.ATOM_NS}}}feed"
    link = root.find("atom:entry/atom:link", NS)
    assert link is not None and link.get("type") == "application/cap+xml" and link.get("href") == "http://x/cap?id=1"
    assert root.findtext("atom:entry/atom:id", namespaces=NS) == "urn:cap:maeul.t.1.1"

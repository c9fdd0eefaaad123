"""Open311 documents (pure): XML with the declaration and plural roots, bare JSON arrays, zoned dates, errors."""

from __future__ import annotations

import orjson
from lxml import etree

from maeul.services.complaints.open311.formats import iso, render, render_errors
from maeul.services.complaints.open311.views import request, service_definition


def test_xml_has_the_utf8_declaration_and_item_elements() -> None:
    content, media_type = render("xml", "services", "service", [{"service_code": "a", "metadata": True}])
    assert media_type.startswith("text/xml")
    assert content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(content)
    assert root.tag == "services" and root.find("service/metadata").text == "true"


def test_json_lists_are_bare_arrays() -> None:
    content, media_type = render("json", "services", "service", [{"service_code": "a"}])
    assert media_type.startswith("application/json") and orjson.loads(content) == [{"service_code": "a"}]


def test_errors_in_both_formats() -> None:
    xml, _ = render_errors("xml", [(403, "api_key 없음 / no api_key")])
    root = etree.fromstring(xml)
    assert root.tag == "errors" and root.find("error/code").text == "403"
    assert root.find("error/description").text == "api_key 없음 / no api_key"
    body, _ = render_errors("json", [(404, "x")])
    assert orjson.loads(body) == [{"code": 404, "description": "x"}]


def test_dates_carry_the_zone_offset() -> None:
    assert iso(1_795_000_000_000, "Asia/Seoul") == "2026-11-18T20:06:40+09:00"
    assert iso(1_795_000_000_000, "UTC") == "2026-11-18T11:06:40+00:00"
    assert iso(None, "UTC") is None


def test_definition_attributes_nest_as_the_spec_says() -> None:
    definition = service_definition(
        {
            "code": "p",
            "attributes": [
                {"code": "s", "datatype": "singlevaluelist", "order": 1, "values": [{"key": "k", "name": "n"}]}
            ],
        }
    )
    root = etree.fromstring(render("xml", "service_definition", None, definition)[0])
    assert root.find("service_code").text == "p"
    assert root.find("attributes/attribute/values/value/key").text == "k"


def test_a_request_view_has_no_personal_data() -> None:
    row = {"id": 7, "status": "duplicate", "service_name": "n", "service_code": "c", "requested_at": 0,
           "updated_at": 0, "deadline_at": 0, "department_id": 2, "lat": 1.0, "lon": 2.0,
           "first_name": "길동", "email": "a@b.kr", "phone": "010"}  # fmt: skip
    view = request(row, "UTC", {2: "도로과"}, None)
    assert view["status"] == "closed" and view["agency_responsible"] == "도로과" and view["long"] == 2.0
    assert view["service_request_id"] == "7"
    text = orjson.dumps(view).decode()
    assert "길동" not in text and "a@b.kr" not in text and "010" not in text

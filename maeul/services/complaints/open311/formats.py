"""Open311 GeoReport v2 documents in XML (lxml) and JSON (orjson), pure.

Lists are bare JSON arrays and XML documents with a plural root (``<services><service>``); dates are ISO 8601
with the time zone offset; booleans are ``true``/``false``; XML has the UTF-8 declaration the spec requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from lxml import etree

XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
FORMATS = ("xml", "json")
# The element name of one item of a list field, in XML.
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def iso(ms: int | None, timezone: str) -> str | None:
    """Epoch ms as ISO 8601 in the tenant's zone with its offset, e.g. ``2026-11-20T09:30:00+09:00``."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)).isoformat(timespec="seconds")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _fill(element: Any, value: Any, name: str) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        sub = etree.SubElement
        for key, inner in value.items():
            child = sub(element, key)
            if inner is None:
                continue
            if isinstance(inner, str):  # the common case, without the recursion
                child.text = inner
            else:
                _fill(child, inner, key)
    elif isinstance(value, list | tuple):
        item = ITEM_NAMES.get(name, "item")
        for inner in value:
            _fill(etree.SubElement(element, item), inner, item)
    else:
        element.text = _scalar(value)


def xml_document(root: str, item: str | None, body: Any) -> bytes:
    """``<root><item>...</item>...</root>`` for a list (``item`` given), else ``<root>`` with the mapping's fields."""
    element = etree.Element(root)
    if item is None:
        _fill(element, body, root)
    else:
        for entry in body:
            _fill(etree.SubElement(element, item), entry, item)
    document: bytes = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
    return document


def json_document(body: Any) -> bytes:
    return orjson.dumps(body)


def render(fmt: str, root: str, item: str | None, body: Any) -> tuple[bytes, str]:
    """The document in ``fmt`` ("xml" or "json") and its media type."""
    if fmt == "json":
        return json_document(body), JSON
    return xml_document(root, item, body), XML


def errors_body(errors: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    return [{"code": code, "description": description} for code, description in errors]


def render_errors(fmt: str, errors: Sequence[tuple[int, str]]) -> tuple[bytes, str]:
    """The spec's error list: ``<errors><error><code/><description/></error></errors>`` or a JSON array."""
    return render(fmt, "errors", "error", errors_body(errors))

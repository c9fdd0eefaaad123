"""Parsers of what Open311 clients send: the form of POST requests and the query of GET requests (pure).

Every parser raises :class:`Open311Error` (status 400) naming the parameter, in Korean and English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from maeul.services.complaints.open311.errors import Open311Error, bad

DESCRIPTION_MAX = 4000  # GeoReport v2: description up to 4,000 characters
TEXT_MAX = 200
PAGE_SIZE_MAX = 1000
DEFAULT_DAYS = 90  # GET requests without dates: the last 90 days
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,100})\](\[\])?$")
# "+09:00" sent unencoded in a query string arrives as " 09:00": read it as the offset it was.
_SPACE_OFFSET = re.compile(r"^(.*\d) (\d\d:?\d\d)$")
_FORM_FIELDS = (
    "jurisdiction_id",
    "api_key",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "zipcode",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)


def _text(name: str, value: str, limit: int = TEXT_MAX) -> str:
    if "\x00" in value:
        raise bad(f"{name} contains a NUL character", f"{name}에 NUL 문자가 있습니다")
    value = value.strip()
    if len(value) > limit:
        raise bad(f"{name} is longer than {limit} characters", f"{name}은(는) {limit}자를 넘을 수 없습니다")
    return value


def parse_datetime(name: str, value: str) -> int:
    """An ISO 8601 date and time with a time zone (``Z`` or ``±HH:MM``) as epoch milliseconds."""
    text = value.strip()
    match = _SPACE_OFFSET.match(text)
    if match:
        text = f"{match.group(1)}+{match.group(2)}"
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise bad(
            f"{name} is not an ISO 8601 date and time (e.g. 2026-11-20T09:30:00+09:00)",
            f"{name}이(가) ISO 8601 날짜·시각 형식이 아닙니다 (예: 2026-11-20T09:30:00+09:00)",
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise bad(
            f"{name} needs a time zone (Z or an offset such as +09:00)",
            f"{name}에 시간대(Z 또는 +09:00 같은 오프셋)가 필요합니다",
        )
    try:
        return int(parsed.timestamp() * 1000)
    except (OverflowError, ValueError, OSError):
        raise bad(f"{name} is out of range", f"{name}이(가) 범위를 벗어났습니다") from None


def _number(name: str, value: str, low: float, high: float) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise bad(f"{name} is not a number", f"{name}이(가) 숫자가 아닙니다") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise bad(f"{name} must be between {low} and {high}", f"{name}은(는) {low}에서 {high} 사이여야 합니다")
    return number


def _int(name: str, value: str, low: int, high: int) -> int:
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise bad(f"{name} must be a whole number", f"{name}은(는) 정수여야 합니다")
    number = int(text)
    if not low <= number <= high:
        raise bad(f"{name} must be between {low} and {high}", f"{name}은(는) {low}에서 {high} 사이여야 합니다")
    return number


@dataclass(frozen=True)
class NewRequest:
    """A POST of a service request, parsed (attributes not yet checked against the service definition)."""

    service_code: str
    jurisdiction_id: str | None = None
    api_key: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _single(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1 and len(set(values)) > 1:
        raise bad(f"{name} is given more than once", f"{name}이(가) 여러 번 주어졌습니다")
    return values[0] if values else None


def parse_post(pairs: Iterable[tuple[str, str]]) -> NewRequest:
    """The form of ``POST requests.{format}`` (form-encoded or multipart, files left out)."""
    items = list(pairs)
    values: dict[str, Any] = {}
    for name in _FORM_FIELDS:
        raw = _single(items, name)
        if raw is None:
            continue
        limit = DESCRIPTION_MAX if name == "description" else (2000 if name in ("media_url", "address_string") else 254)
        text = _text(name, raw, limit)
        if text:
            values[name] = text
    attributes: dict[str, list[str]] = {}
    for key, raw in items:
        match = _ATTRIBUTE.match(key)
        if match:
            attributes.setdefault(match.group(1), []).append(_text(key, raw))
    code = values.pop("service_code", None)
    if code is None:
        raise bad("service_code is required", "service_code(민원 유형)는 필수입니다")
    lat = values.pop("lat", None)
    lon = values.pop("long", None)
    if (lat is None) != (lon is None):
        raise bad("lat and long go together", "lat와 long은 함께 보내야 합니다")
    if lat is not None:
        values["lat"] = _number("lat", lat, -90, 90)
        values["lon"] = _number("long", lon, -180, 180)
    if "address_string" in values:
        values["address"] = values.pop("address_string")
    if lat is None and "address" not in values and "address_id" not in values:
        raise bad(
            "a location is required: lat and long, address_string or address_id",
            "위치가 필요합니다: lat와 long, address_string 또는 address_id",
        )
    email = values.get("email")
    if email is not None and ("@" not in email or " " in email):
        raise bad("email is not an e-mail address", "email이 올바른 전자우편 주소가 아닙니다")
    media = values.get("media_url")
    if media is not None and not media.lower().startswith(("http://", "https://")):
        raise bad("media_url must be an http(s) URL", "media_url은 http(s) 주소여야 합니다")
    return NewRequest(service_code=code, attributes=attributes, **values)


@dataclass(frozen=True)
class RequestsQuery:
    """The filters of ``GET requests.{format}`` (times in epoch ms)."""

    ids: tuple[int, ...] | None = None  # service_request_id given: every other filter is ignored (spec)
    service_codes: tuple[str, ...] = ()
    start: int | None = None
    end: int | None = None
    statuses: tuple[str, ...] = ()  # "open", "closed"
    updated_after: int | None = None
    updated_before: int | None = None
    page: int = 1
    page_size: int = PAGE_SIZE_MAX
    jurisdiction_id: str | None = None

    def window(self, now_ms: int) -> tuple[int | None, int | None]:
        """The requested_datetime window: the dates given, or the last 90 days when no date is."""
        if self.start is None and self.end is None and self.updated_after is None and self.updated_before is None:
            return now_ms - DEFAULT_DAYS * 86_400_000, None
        return self.start, self.end


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_requests_query(params: Mapping[str, str]) -> RequestsQuery:
    """The query string of ``GET requests.{format}`` (one value per name, as a mapping)."""
    values: dict[str, Any] = {}
    for name in ("jurisdiction_id",):
        if params.get(name):
            values[name] = _text(name, params[name])
    raw_ids = params.get("service_request_id")
    if raw_ids is not None and raw_ids.strip():
        ids = []
        for part in _list(raw_ids)[:PAGE_SIZE_MAX]:
            # ids are numbers here; any other id names no request of this server
            if part.isascii() and part.isdigit() and len(part) <= 9:
                ids.append(int(part))
        values["ids"] = tuple(ids)
    if params.get("service_code"):
        values["service_codes"] = tuple(_text("service_code", c) for c in _list(params["service_code"]))
    for name, key in (
        ("start_date", "start"),
        ("end_date", "end"),
        ("updated_after", "updated_after"),
        ("updated_before", "updated_before"),
    ):
        if params.get(name):
            values[key] = parse_datetime(name, params[name])
    if "start" in values and "end" in values and values["end"] < values["start"]:
        raise bad("end_date is before start_date", "end_date가 start_date보다 앞섭니다")
    if params.get("status"):
        statuses = tuple(s.lower() for s in _list(params["status"]))
        wrong = [s for s in statuses if s not in ("open", "closed")]
        if wrong:
            raise bad(f"status must be open or closed, not {wrong[0]!r}", "status는 open 또는 closed여야 합니다")
        values["statuses"] = statuses
    if params.get("page"):
        values["page"] = _int("page", params["page"], 1, 1_000_000)
    if params.get("page_size"):
        values["page_size"] = _int("page_size", params["page_size"], 1, PAGE_SIZE_MAX)
    return RequestsQuery(**values)


def parse_updates_query(params: Mapping[str, str]) -> tuple[int | None, int | None]:
    """start_date and end_date of ``GET servicerequestupdates.{format}``."""
    start = parse_datetime("start_date", params["start_date"]) if params.get("start_date") else None
    end = parse_datetime("end_date", params["end_date"]) if params.get("end_date") else None
    if start is not None and end is not None and end < start:
        raise bad("end_date is before start_date", "end_date가 start_date보다 앞섭니다")
    return start, end


# --- attributes of a service definition --------------------------------------------------------------------

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


def check_attributes(definitions: Sequence[Mapping[str, Any]], given: Mapping[str, list[str]]) -> dict[str, Any]:
    """The attribute values checked against the definitions: required ones present, numbers numbers, list
    values among the keys; unknown codes are refused. Returns {code: value or [values]}."""
    by_code = {str(d["code"]): d for d in definitions if d.get("variable", True)}
    unknown = [code for code in given if code not in by_code]
    if unknown:
        raise bad(
            f"attribute[{unknown[0]}] is not an attribute of this service",
            f"attribute[{unknown[0]}]는 이 유형의 항목이 아닙니다",
        )
    out: dict[str, Any] = {}
    for code, definition in by_code.items():
        values = [v for v in given.get(code, []) if v != ""]
        if not values:
            if definition.get("required"):
                raise bad(f"attribute[{code}] is required", f"attribute[{code}] 항목은 필수입니다")
            continue
        datatype = definition.get("datatype", "string")
        keys = {str(v["key"]) for v in definition.get("values") or ()}
        if datatype != "multivaluelist" and len(values) > 1:
            raise bad(f"attribute[{code}] takes one value", f"attribute[{code}]에는 값이 하나만 옵니다")
        if datatype == "number":
            _number(f"attribute[{code}]", values[0], -1e15, 1e15)
        elif datatype == "datetime":
            parse_datetime(f"attribute[{code}]", values[0])
        elif datatype in ("singlevaluelist", "multivaluelist"):
            wrong = [v for v in values if v not in keys]
            if wrong:
                raise bad(
                    f"attribute[{code}]: {wrong[0]!r} is not one of its values",
                    f"attribute[{code}]: {wrong[0]!r}은(는) 허용된 값이 아닙니다",
                )
        out[code] = values if datatype == "multivaluelist" else values[0]
    return out


def check_definitions(definitions: Any) -> list[dict[str, Any]]:
    """Attribute definitions staff give a category: a list in the spec's shape (raises ValueError)."""
    if not isinstance(definitions, list):
        raise ValueError("attributes must be a list")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(definitions, 1):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not item["code"].strip():
            raise ValueError(f"attribute {index}: a code is required")
        code = item["code"].strip()
        if code in seen or not _ATTRIBUTE.match(f"attribute[{code}]"):
            raise ValueError(f"attribute {index}: code {code!r} is repeated or has brackets")
        seen.add(code)
        datatype = item.get("datatype", "string")
        if datatype not in DATATYPES:
            raise ValueError(f"attribute {code}: datatype must be one of {', '.join(DATATYPES)}")
        values = item.get("values") or []
        if datatype.endswith("valuelist") and not values:
            raise ValueError(f"attribute {code}: a {datatype} needs values")
        if not all(isinstance(v, dict) and "key" in v and "name" in v for v in values):
            raise ValueError(f"attribute {code}: each value needs a key and a name")
        out.append(
            {
                "variable": bool(item.get("variable", True)),
                "code": code,
                "datatype": datatype,
                "required": bool(item.get("required", False)),
                "datatype_description": str(item.get("datatype_description") or ""),
                "order": int(item.get("order", index)),
                "description": str(item.get("description") or code),
                "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in values],
            }
        )
    return out


__all__ = ["Open311Error", "parse_post", "parse_requests_query"]

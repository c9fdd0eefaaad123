"""What the warnings pages share: the municipality of a portal page, stage labels, areas as GeoJSON, form fields
turned into the API's request models with errors in Korean and English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection
from starlette.requests import Request

from maeul.adapters.sql import accounts
from maeul.adapters.sql import districts as district_repo
from maeul.services.warnings.core import areas
from maeul.services.warnings.core.stages import STAGES

M = TypeVar("M", bound=BaseModel)
STAGE_CLASS = {0: "stage-0", 1: "stage-1", 2: "stage-2", 3: "stage-3", 4: "stage-4"}
FIELD_KO = {
    "event_ko": "사건(한국어)",
    "event_en": "사건(영어)",
    "category": "분류",
    "stage": "단계",
    "status": "상태",
    "district_codes": "읍면동",
    "polygon": "구역",
    "note_ko": "안내(한국어)",
    "note_en": "안내(영어)",
    "channel": "받는 방법",
    "address": "주소",
    "language": "언어",
    "min_stage": "최소 단계",
    "places": "지역",
    "radius_m": "반경",
    "lon": "경도",
    "lat": "위도",
    "token": "코드",
    "tenant": "지자체",
}


@dataclass(frozen=True)
class FormError(Exception):
    """A form that cannot be accepted: what to show, in both languages (nothing was changed)."""

    message_ko: str
    message_en: str


def for_scripts(request: Request, error: FormError, status: int = 422) -> None:
    """Scripts (no HTML wanted) get the API's JSON error instead of the form shown again."""
    from maeul.adapters.http.errors import ApiError
    from maeul.web.errors import wants_html

    if not wants_html(request):
        code = {404: "not_found", 409: "conflict"}.get(status, "invalid")
        raise ApiError(status, code, error.message_en)


def stages() -> list[tuple[int, str, str]]:
    """(stage, Korean, English) from 정상 to 심각."""
    return [(n, ko, en) for n, (ko, en) in sorted(STAGES.items())]


def portal_tenant(request: Request, conn: Connection) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The municipality of a portal page: ``?tenant=`` (or a form's ``tenant``), else the only one there is."""
    tenants = accounts.list_tenants(conn)
    chosen = request.query_params.get("tenant")
    for tenant in tenants:
        if tenant["id"] == chosen:
            return tenant, tenants
    return (tenants[0] if len(tenants) == 1 and not chosen else None), tenants


def district_options(conn: Connection, tenant_id: str, language: str) -> list[tuple[str, str]]:
    out = []
    for d in district_repo.list_districts(conn, tenant_id):
        name = d.name_en or d.name if language == "en" else d.name
        out.append((d.code, name))
    return out


def area_geometry(conn: Connection, tenant_id: str, codes: list[str], polygon: dict[str, Any] | None) -> Any:
    """The warning area (districts and/or a drawn polygon) as one Shapely geometry."""
    from shapely.geometry import shape

    found = {d.code: d for d in district_repo.list_districts(conn, tenant_id)}
    shapes = {c: shape(found[c].geometry) for c in codes if c in found}
    return areas.WarningArea(tuple(shapes), polygon).geometry(shapes)


def district_centre(conn: Connection, tenant_id: str, code: str) -> tuple[float, float] | None:
    from shapely.geometry import shape

    for d in district_repo.list_districts(conn, tenant_id):
        if d.code == code:
            point = shape(d.geometry).representative_point()
            return float(point.x), float(point.y)
    return None


def parse_polygon(text: str) -> dict[str, Any] | None:
    """A drawn area: GeoJSON (a Polygon or a Feature of one), or "lon lat" pairs, one per line or split by ";"."""
    import orjson

    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise FormError(
                f"구역의 GeoJSON을 읽을 수 없습니다: {exc}", f"the area's GeoJSON cannot be read: {exc}"
            ) from None
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        if not isinstance(value, dict):
            raise FormError("구역은 GeoJSON Polygon이어야 합니다", "the area must be a GeoJSON Polygon")
        return value
    ring: list[list[float]] = []
    for number, part in enumerate(text.replace(";", "\n").splitlines(), start=1):
        part = part.strip().replace(",", " ")
        if not part:
            continue
        values = part.split()
        try:
            lon, lat = (float(v) for v in values)
        except ValueError:
            raise FormError(
                f"구역 {number}번째 점 '{part}': '경도 위도' 두 숫자여야 합니다",
                f"point {number} of the area '{part}': two numbers 'lon lat' expected",
            ) from None
        ring.append([lon, lat])
    if len(ring) < 3:
        raise FormError("구역에는 점이 세 개 이상 있어야 합니다", "the area needs at least three points")
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def validated(model: type[M], values: dict[str, Any]) -> M:
    """The request model of the API from a form's values, or a FormError naming every bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        parts_en, parts_ko = [], []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "form"
            named = [str(p) for p in error["loc"] if str(p) in FIELD_KO]
            parts_en.append(f"{where}: {error['msg']}")
            parts_ko.append(FIELD_KO[named[-1]] if named else where)
        raise FormError(
            "입력값이 올바르지 않습니다: " + ", ".join(dict.fromkeys(parts_ko)), "; ".join(parts_en)
        ) from None


async def many(request: Request, form: dict[str, Any], name: str) -> list[str]:
    """Every value of a repeated field (checkboxes, multiple select) of an HTML form or a JSON body."""
    value = form.get(name)
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/")):
        submitted = await request.form()
        return [str(v) for v in submitted.getlist(name) if isinstance(v, str) and v]
    return [str(value)] if isinstance(value, str) and value else []


def text(form: dict[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: dict[str, Any], name: str) -> str | None:
    return text(form, name) or None

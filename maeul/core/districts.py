"""Administrative districts (eup/myeon/dong) from GeoJSON: validation and point-in-district lookup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    name_en: str | None
    geometry: dict[str, Any]


def parse_feature_collection(document: Any) -> tuple[list[District], list[str]]:
    """Districts from a GeoJSON FeatureCollection whose features have ``code`` and ``name`` properties."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return [], ["not a GeoJSON FeatureCollection"]
    out: list[District] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, feature in enumerate(document.get("features") or []):
        where = f"feature {index + 1}"
        if not isinstance(feature, dict):
            errors.append(f"{where}: not a GeoJSON Feature object")
            continue
        props = feature.get("properties") or {}
        geometry = feature.get("geometry")
        if not isinstance(props, dict):
            errors.append(f"{where}: 'properties' must be an object")
            continue
        code = str(props.get("code") or "").strip()
        name = str(props.get("name") or "").strip()
        if not code or not name:
            errors.append(f"{where}: needs 'code' and 'name' properties")
            continue
        if len(code) > 20 or len(name) > 200:
            errors.append(f"{where}: code (at most 20) or name (at most 200 characters) too long")
            continue
        if code in seen:
            errors.append(f"{where}: code {code} appears twice")
            continue
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            errors.append(f"{where} ({code}): geometry must be a Polygon or MultiPolygon")
            continue
        try:
            valid = shape(geometry).is_valid
        except (ValueError, TypeError, AttributeError) as exc:
            errors.append(f"{where} ({code}): unreadable geometry: {exc}")
            continue
        if not valid:
            errors.append(f"{where} ({code}): the polygon is invalid (self-intersecting?)")
            continue
        seen.add(code)
        name_en = props.get("name_en") or props.get("name_eng")
        out.append(District(code, name, str(name_en) if name_en else None, geometry))
    if not out and not errors:
        errors.append("the collection has no features")
    return out, errors


class DistrictIndex:
    """Finds the district containing a point (a handful of polygons: a linear scan with bounding boxes)."""

    def __init__(self, districts: list[District]) -> None:
        self._shapes: list[tuple[str, BaseGeometry]] = [(d.code, shape(d.geometry)) for d in districts]

    def locate(self, lon: float, lat: float) -> str | None:
        point = Point(lon, lat)
        for code, geometry in self._shapes:
            minx, miny, maxx, maxy = geometry.bounds
            if minx <= lon <= maxx and miny <= lat <= maxy and geometry.covers(point):
                return code
        return None

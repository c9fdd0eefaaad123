"""Geofence areas: GeoJSON (Multi)Polygon ↔ hashable coordinates, validity, and a cached point-in-area test."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from maeul.core.rules.fields import JsonObject, JsonValue, RuleSpecError, as_number, join, type_name

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]  # outer ring first, then holes
Area = tuple[Polygon, ...]  # one or more polygons


def parse_area(data: object, path: str) -> Area:
    """A GeoJSON Polygon or MultiPolygon geometry as nested tuples; rings are closed if they were left open."""
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise RuleSpecError(path, "expected a GeoJSON geometry of type Polygon or MultiPolygon")
    coords = data.get("coordinates")
    where = join(path, "coordinates")
    polygons = [coords] if data["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise RuleSpecError(where, f"expected a non-empty list, got {type_name(polygons)}")
    prefix = where if data["type"] == "Polygon" else None
    area = tuple(_polygon(p, prefix or f"{where}[{i}]") for i, p in enumerate(polygons))
    problem = explain_validity(_geometry(area))
    if problem != "Valid Geometry":
        raise RuleSpecError(path, f"not a valid area: {problem}")
    return area


def _polygon(rings: object, path: str) -> Polygon:
    if not isinstance(rings, list) or not rings:
        raise RuleSpecError(path, f"expected a list of rings, got {type_name(rings)}")
    return tuple(_ring(ring, f"{path}[{i}]") for i, ring in enumerate(rings))


def _ring(points: object, path: str) -> Ring:
    if not isinstance(points, list):
        raise RuleSpecError(path, f"expected a list of [lon, lat] positions, got {type_name(points)}")
    out: list[tuple[float, float]] = []
    for i, point in enumerate(points):
        lon = as_number(point[0]) if isinstance(point, list) and len(point) in (2, 3) else None
        lat = as_number(point[1]) if isinstance(point, list) and len(point) in (2, 3) else None
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise RuleSpecError(f"{path}[{i}]", "expected [longitude, latitude] within -180..180 and -90..90")
        out.append((lon, lat))
    if out and out[0] != out[-1]:
        out.append(out[0])
    if len(out) < 4:
        raise RuleSpecError(path, "a ring needs at least three distinct positions")
    return tuple(out)


def dump_area(area: Area) -> JsonObject:
    def ring(r: Ring) -> JsonValue:
        return [[lon, lat] for lon, lat in r]

    if len(area) == 1:
        return {"type": "Polygon", "coordinates": [ring(r) for r in area[0]]}
    return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in p] for p in area]}


@lru_cache(maxsize=4096)
def _geometry(area: Area) -> Any:
    geometry = shape(dump_area(area))
    shapely.prepare(geometry)
    return geometry


def contains(area: Area, lon: float, lat: float) -> bool:
    """Whether the point lies in the area; a point on the boundary counts as inside."""
    return bool(shapely.intersects_xy(_geometry(area), lon, lat))

"""Warning areas and residents' places with Shapely: districts, drawn polygons, points with a radius.

A resident's point with a radius is stored with the districts its circle touches, so that a warning for a set of
districts finds its residents with one indexed SQL join; a warning for a drawn polygon is matched exactly here.
Distances use a local equirectangular projection around the point (errors well under 1 % at district scale).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

EARTH_RADIUS_M = 6_371_008.8
MAX_RADIUS_M = 50_000


class AreaError(ValueError):
    """An area that cannot be used; the message says why."""


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def check_point(lon: float, lat: float) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon) or math.isnan(lat):
        raise AreaError(f"({lon}, {lat}) is not a WGS84 longitude/latitude")


def circle(lon: float, lat: float, radius_m: float, segments: int = 32) -> Polygon:
    """The circle as a lon/lat polygon (an ellipse in degrees)."""
    check_point(lon, lat)
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise AreaError(f"radius {radius_m} m: 1 to {MAX_RADIUS_M} m expected")
    degrees_lat = radius_m / (EARTH_RADIUS_M * math.pi / 180)
    disc = Point(lon, lat).buffer(degrees_lat, quad_segs=max(2, segments // 4))
    stretch = 1 / max(math.cos(math.radians(lat)), 1e-6)
    result = affinity.scale(disc, xfact=stretch, yfact=1.0, origin=(lon, lat))
    assert isinstance(result, Polygon)
    return result


def polygon_from_geojson(geometry: Any) -> BaseGeometry:
    """A Polygon or MultiPolygon from GeoJSON; AreaError if it is not a valid, non-empty one."""
    try:
        geom = shape(geometry)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AreaError(f"not a GeoJSON geometry: {exc}") from None
    if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
        raise AreaError("a GeoJSON Polygon or MultiPolygon expected")
    if not geom.is_valid:
        raise AreaError("the polygon crosses itself")
    bounds = geom.bounds
    check_point(bounds[0], bounds[1])
    check_point(bounds[2], bounds[3])
    return geom


def districts_touched(geom: BaseGeometry, districts: Iterable[tuple[str, BaseGeometry]]) -> list[str]:
    """Codes of the districts the geometry intersects, in the given order."""
    return [code for code, shape_ in districts if shape_.intersects(geom)]


def matches(area: BaseGeometry, lon: float, lat: float, radius_m: float | None) -> bool:
    """Does a resident's place (a point, or a circle around it) meet the warning area?"""
    if radius_m is None or radius_m <= 0:
        return bool(area.covers(Point(lon, lat)))
    return bool(area.intersects(circle(lon, lat, radius_m)))


@dataclass(frozen=True, slots=True)
class WarningArea:
    """Where a warning applies: districts, a drawn polygon, or both (their union)."""

    district_codes: tuple[str, ...] = ()
    polygon: dict[str, Any] | None = None  # GeoJSON

    def geometry(self, district_shapes: dict[str, BaseGeometry]) -> BaseGeometry:
        parts: list[BaseGeometry] = []
        for code in self.district_codes:
            if code not in district_shapes:
                raise AreaError(f"district {code!r} is not one of the tenant's districts")
            parts.append(district_shapes[code])
        if self.polygon is not None:
            parts.append(polygon_from_geojson(self.polygon))
        if not parts:
            raise AreaError("an area needs district codes or a polygon")
        return unary_union(parts)


def cap_rings(
    geom: BaseGeometry, tolerance: float = 0.0005, max_points: int = 400
) -> list[tuple[tuple[float, float], ...]]:
    """Outer rings of the geometry, simplified, as closed (lon, lat) rings for CAP ``polygon`` elements."""
    simplified = geom.simplify(tolerance, preserve_topology=True)
    while True:
        polygons: Sequence[Polygon] = list(simplified.geoms) if isinstance(simplified, MultiPolygon) else [simplified]
        rings = [tuple((float(x), float(y)) for x, y in p.exterior.coords) for p in polygons if isinstance(p, Polygon)]
        if sum(len(r) for r in rings) <= max_points or tolerance > 0.05:
            return [r for r in rings if len(r) >= 4]
        tolerance *= 2
        simplified = geom.simplify(tolerance, preserve_topology=True)


def as_geojson(geom: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geom))

"""Shelters (heat and cold shelters, evacuation sites): import from CSV or GeoJSON, opening hours, nearest open.

Opening hours use a small subset of the OpenStreetMap ``opening_hours`` syntax: ``24/7``, or rules separated by
``;`` such as ``Mo-Fr 09:00-18:00`` or ``Sa,Su 10:00-12:00,13:00-17:00``; a time range may pass midnight
(``22:00-06:00``) and ``24:00`` ends a day.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from maeul.services.warnings.core.areas import AreaError, check_point, haversine_m

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
KINDS = ("heat", "cold", "evacuation")
CSV_COLUMNS = ("name", "name_en", "kind", "lon", "lat", "capacity", "hours", "address")
_TIME = re.compile(r"([01]\d|2[0-4]):([0-5]\d)")


class HoursError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Per weekday (0 = Monday), minute ranges [start, end) within the day, end up to 1440."""

    always: bool
    days: tuple[tuple[tuple[int, int], ...], ...]

    def is_open(self, local: datetime) -> bool:
        if self.always:
            return True
        minute = local.hour * 60 + local.minute
        return bool(any(s <= minute < e for s, e in self.days[local.weekday()]))


def _minutes(text: str) -> int:
    match = _TIME.fullmatch(text)
    if match is None:
        raise HoursError(f"{text!r} is not a time HH:MM")
    value = int(match[1]) * 60 + int(match[2])
    if value > 1440:
        raise HoursError(f"{text!r} is past 24:00")
    return value


def _day_list(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise HoursError(f"{part!r}: days are {', '.join(DAYS)} or ranges like Mo-Fr")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        out.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return out


def parse_hours(text: str) -> OpeningHours:
    """Parse opening hours; HoursError says what is wrong."""
    text = text.strip()
    if text == "24/7":
        return OpeningHours(True, ((),) * 7)
    if not text:
        raise HoursError("empty opening hours (use 24/7 for always open)")
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for rule in filter(None, (r.strip() for r in text.split(";"))):
        parts = rule.split()
        if len(parts) != 2:
            raise HoursError(f"{rule!r}: 'Mo-Fr 09:00-18:00' expected")
        for weekday in _day_list(parts[0]):
            for span in parts[1].split(","):
                bounds = span.split("-")
                if len(bounds) != 2:
                    raise HoursError(f"{span!r}: a range 'HH:MM-HH:MM' expected")
                start, end = _minutes(bounds[0]), _minutes(bounds[1])
                if start == end:
                    raise HoursError(f"{span!r}: empty range")
                if end > start:
                    days[weekday].append((start, end))
                else:  # past midnight: the rest of this day and the start of the next
                    days[weekday].append((start, 1440))
                    if end:
                        days[(weekday + 1) % 7].append((0, end))
    return OpeningHours(False, tuple(tuple(sorted(d)) for d in days))


@dataclass(frozen=True, slots=True)
class Shelter:
    name: str
    kind: str
    lon: float
    lat: float
    capacity: int | None
    hours: str
    name_en: str | None = None
    address: str | None = None

    def to_row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "name_en": self.name_en,
            "kind": self.kind,
            "lon": self.lon,
            "lat": self.lat,
            "capacity": self.capacity,
            "hours": self.hours,
            "address": self.address,
        }


def _shelter(values: dict[str, Any]) -> Shelter:
    name = str(values.get("name") or "").strip()
    if not name or len(name) > 200:
        raise ValueError("name: 1-200 characters expected")
    kind = str(values.get("kind") or "").strip()
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: one of {', '.join(KINDS)} expected")
    try:
        lon, lat = float(values["lon"]), float(values["lat"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("lon and lat: numbers expected") from None
    try:
        check_point(lon, lat)
    except AreaError as exc:
        raise ValueError(str(exc)) from None
    raw_capacity = values.get("capacity")
    capacity: int | None = None
    if raw_capacity not in (None, ""):
        try:
            capacity = int(str(raw_capacity))
        except ValueError:
            raise ValueError(f"capacity {raw_capacity!r}: a whole number expected") from None
        if capacity < 0:
            raise ValueError("capacity must not be negative")
    hours = str(values.get("hours") or "24/7").strip()
    try:
        parse_hours(hours)
    except HoursError as exc:
        raise ValueError(f"hours: {exc}") from None
    name_en = str(values.get("name_en") or "").strip() or None
    address = str(values.get("address") or "").strip() or None
    return Shelter(name, kind, lon, lat, capacity, hours, name_en, address)


def parse_csv(text: str) -> tuple[list[Shelter], list[str]]:
    """Shelters from CSV with a header (``name,kind,lon,lat`` required; ``name_en,capacity,hours,address``
    optional); errors name the line. The caller imports nothing when there is any error."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in ("name", "kind", "lon", "lat") if c not in header]
    if missing:
        return [], [f"line 1: missing column(s) {', '.join(missing)}"]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        return [], [f"line 1: unknown column(s) {', '.join(unknown)}"]
    out: list[Shelter] = []
    errors: list[str] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            errors.append(f"line {line}: more values than columns")
            continue
        try:
            out.append(_shelter(row))
        except ValueError as exc:
            errors.append(f"line {line}: {exc}")
    return out, errors


def parse_geojson(document: Any) -> tuple[list[Shelter], list[str]]:
    """Shelters from a FeatureCollection of Points with the CSV's columns as properties."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return [], ["not a GeoJSON FeatureCollection"]
    out: list[Shelter] = []
    errors: list[str] = []
    for index, feature in enumerate(document.get("features") or [], start=1):
        try:
            geometry = feature["geometry"]
            if geometry.get("type") != "Point":
                raise ValueError("a Point geometry expected")
            lon, lat = geometry["coordinates"][:2]
            props = dict(feature.get("properties") or {})
            out.append(_shelter({**props, "lon": lon, "lat": lat}))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            errors.append(f"feature {index}: {exc}")
    return out, errors


@dataclass(frozen=True, slots=True)
class Nearby:
    index: int
    distance_m: float


def nearest_open(
    shelters: Sequence[Shelter], lon: float, lat: float, local_now: datetime, kind: str | None = None, limit: int = 3
) -> list[Nearby]:
    """The nearest shelters open at ``local_now`` (the tenant's local time), nearest first."""
    check_point(lon, lat)
    found = [
        Nearby(i, haversine_m(lon, lat, s.lon, s.lat))
        for i, s in enumerate(shelters)
        if (kind is None or s.kind == kind) and parse_hours(s.hours).is_open(local_now)
    ]
    return sorted(found, key=lambda n: (n.distance_m, n.index))[:limit]

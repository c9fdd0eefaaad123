"""Parse a bulk device-import CSV; report every bad row by line number, or return all rows.

Columns (header required, order free): ``name`` (required), ``profile``, ``lon``, ``lat``, ``district_code``,
``gateway`` (the name of another device, in the file or already registered) and any ``attr.<name>`` columns,
which become free attributes.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

KNOWN_COLUMNS = {"name", "profile", "lon", "lat", "district_code", "gateway"}
MAX_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str


@dataclass(slots=True)
class DeviceRow:
    line: int
    name: str
    profile: str | None
    lon: float | None
    lat: float | None
    district_code: str | None
    gateway: str | None
    attributes: dict[str, str] = field(default_factory=dict)


def _coordinate(text: str, low: float, high: float, label: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{label} {text!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{label} {text!r} is outside {low:g}..{high:g}")
    return value


def parse_device_csv(
    text: str, *, profiles: set[str], existing_names: set[str]
) -> tuple[list[DeviceRow], list[RowError]]:
    """Rows if the whole file is valid; otherwise every error found (line numbers count the header as 1)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], [RowError(1, "the file is empty; the first line must be a header with a 'name' column")]
    except csv.Error as exc:
        return [], [RowError(1, f"unreadable CSV header: {exc}")]
    errors: list[RowError] = []
    unknown = [h for h in header if h not in KNOWN_COLUMNS and not h.startswith("attr.")]
    if "name" not in header:
        errors.append(RowError(1, "the header has no 'name' column"))
    if unknown:
        errors.append(RowError(1, f"unknown column(s): {', '.join(unknown)} (free attributes: attr.<name>)"))
    if len(set(header)) != len(header):
        errors.append(RowError(1, "a column name appears twice"))
    if errors:
        return [], errors
    rows: list[DeviceRow] = []
    seen: dict[str, int] = {}
    records = iter(reader)
    while True:
        try:
            fields = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(reader.line_num, f"unreadable CSV: {exc}"))
            break
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(rows) >= MAX_ROWS:
            errors.append(RowError(line, f"more than {MAX_ROWS} devices in one file; split it"))
            break
        if len(fields) != len(header):
            errors.append(RowError(line, f"expected {len(header)} fields, found {len(fields)}"))
            continue
        record = {h: f.strip() for h, f in zip(header, fields, strict=True)}
        row_errors: list[str] = []
        name = record.get("name", "")
        if not name:
            row_errors.append("name is empty")
        elif len(name) > 200:
            row_errors.append("name is longer than 200 characters")
        elif name in existing_names:
            row_errors.append(f"a device named {name!r} already exists")
        elif name in seen:
            row_errors.append(f"name {name!r} is already used on line {seen[name]}")
        district_code = record.get("district_code") or None
        if district_code is not None and len(district_code) > 20:
            row_errors.append("district_code is longer than 20 characters")
        profile = record.get("profile") or None
        if profile is not None and profile not in profiles:
            row_errors.append(f"unknown profile {profile!r}")
        lon = lat = None
        lon_text, lat_text = record.get("lon", ""), record.get("lat", "")
        if bool(lon_text) != bool(lat_text):
            row_errors.append("give both lon and lat, or neither")
        elif lon_text:
            try:
                lon = _coordinate(lon_text, -180, 180, "lon")
                lat = _coordinate(lat_text, -90, 90, "lat")
            except ValueError as exc:
                row_errors.append(str(exc))
        if row_errors:
            errors.extend(RowError(line, message) for message in row_errors)
            continue
        seen[name] = line
        rows.append(
            DeviceRow(
                line=line,
                name=name,
                profile=profile,
                lon=lon,
                lat=lat,
                district_code=district_code,
                gateway=record.get("gateway") or None,
                attributes={h[5:]: v for h, v in record.items() if h.startswith("attr.") and v},
            )
        )
    for row in rows:
        if row.gateway and row.gateway not in seen and row.gateway not in existing_names:
            errors.append(RowError(row.line, f"gateway {row.gateway!r} is neither in this file nor registered"))
        elif row.gateway == row.name:
            errors.append(RowError(row.line, "a device cannot be its own gateway"))
    if not rows and not errors:
        errors.append(RowError(1, "the file has a header but no devices"))
    errors.sort(key=lambda e: e.line)
    return ([] if errors else rows), errors

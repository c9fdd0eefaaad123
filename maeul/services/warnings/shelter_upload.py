"""A shelter file as uploaded (CSV or GeoJSON bytes) into shelters, or every problem found; shared by the API and
the console's import form."""

from __future__ import annotations

import csv

import orjson

from maeul.adapters.http.errors import ApiError
from maeul.services.warnings.core import shelters as shelter_core


def parse_upload(body: bytes, is_csv: bool) -> list[shelter_core.Shelter]:
    """The shelters of the file; ApiError 400 for a file that cannot be read, 422 listing every bad row."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed", "the file is not UTF-8 text") from None
    if is_csv:
        try:
            items, errors = shelter_core.parse_csv(text)
        except csv.Error as exc:
            raise ApiError(400, "malformed", f"not valid CSV: {exc}") from None
    else:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, "malformed", f"not valid JSON: {exc}") from None
        items, errors = shelter_core.parse_geojson(document)
    if errors:
        raise ApiError(422, "invalid_rows", f"{len(errors)} problem(s); nothing was imported", errors)
    return items


def looks_like_csv(filename: str, content_type: str, body: bytes) -> bool:
    """CSV unless the name, the type or the first character says GeoJSON."""
    name = filename.lower()
    if name.endswith((".geojson", ".json")) or "json" in content_type:
        return False
    if name.endswith(".csv") or "csv" in content_type:
        return True
    return not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")

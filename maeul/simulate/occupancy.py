"""Read the UCI Occupancy Detection files (one-minute room climate readings) as typed rows.

The files are CSV whose header names 7 columns (``"date","Temperature","Humidity","Light","CO2",
"HumidityRatio","Occupancy"``) while every row has 8 fields: the first is a quoted row index. Rows with
exactly as many fields as the header (no index) are read too. Columns are found by name, in any order.

The dates carry no time zone: they are the local wall time of the room. We read them as Asia/Seoul wall
time (UTC+9, no daylight saving), so a replayed morning is a morning on a Korean dashboard.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEOUL = timezone(timedelta(hours=9), "KST")
COLUMNS = ("date", "temperature", "humidity", "light", "co2", "humidityratio", "occupancy")


class OccupancyFormatError(ValueError):
    """A file (or a line of it) is not in the occupancy format; the message names the file and line."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class OccupancyRow:
    """One minute of the room: °C, %RH, lux, ppm, kg water/kg air, and whether someone was there."""

    ts_ms: int
    temperature: float
    humidity: float
    light: float
    co2: float
    humidity_ratio: float
    occupancy: int


def _number(raw: str, column: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{column}: {raw[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{column}: {raw[:40]!r} is not a finite number")
    return value


def _timestamp(raw: str) -> int:
    text = raw.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date: {text[:40]!r} is not a date like 2015-02-02 14:19:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SEOUL)
    try:
        return round(moment.timestamp() * 1000)
    except (OverflowError, ValueError, OSError):
        raise ValueError(f"date: {text[:40]!r} is out of range") from None


def _header(fields: list[str]) -> dict[str, int] | None:
    names = [f.strip().strip('"').lower() for f in fields]
    if "date" not in names:
        return None
    return {name: i for i, name in enumerate(names)}


def _row(fields: list[str], header: dict[str, int], width: int) -> OccupancyRow:
    if len(fields) == width + 1:
        fields = fields[1:]  # the quoted row index the header does not name
    elif len(fields) != width:
        raise ValueError(f"expected {width} or {width + 1} fields, found {len(fields)}")
    values = {name: fields[header[name]] for name in COLUMNS}
    occupancy = _number(values["occupancy"], "Occupancy")
    if occupancy not in (0.0, 1.0):
        raise ValueError(f"Occupancy: expected 0 or 1, found {values['occupancy'][:40]!r}")
    return OccupancyRow(
        ts_ms=_timestamp(values["date"]),
        temperature=_number(values["temperature"], "Temperature"),
        humidity=_number(values["humidity"], "Humidity"),
        light=_number(values["light"], "Light"),
        co2=_number(values["co2"], "CO2"),
        humidity_ratio=_number(values["humidityratio"], "HumidityRatio"),
        occupancy=int(occupancy),
    )


def parse_occupancy(lines: Iterable[str], source: str = "<text>") -> Iterator[OccupancyRow]:
    """Rows of an occupancy file given as lines (or a text stream); OccupancyFormatError on the first bad one."""
    reader = csv.reader(lines)
    header: dict[str, int] | None = None
    width = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise OccupancyFormatError(source, reader.line_num, f"not valid CSV: {exc}") from None
        except UnicodeDecodeError:
            raise OccupancyFormatError(source, reader.line_num + 1, "not UTF-8 text") from None
        if not fields or all(not f.strip() for f in fields):
            continue
        if header is None:
            header = _header(fields)
            if header is None:
                raise OccupancyFormatError(source, reader.line_num, f"expected a header naming {', '.join(COLUMNS)}")
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise OccupancyFormatError(source, reader.line_num, f"the header lacks {', '.join(missing)}")
            width = len(fields)
            continue
        try:
            yield _row(fields, header, width)
        except ValueError as exc:
            raise OccupancyFormatError(source, reader.line_num, str(exc)) from None
    if header is None:
        raise OccupancyFormatError(source, None, "empty file: no header and no readings")


def parse_occupancy_text(text: str, source: str = "<text>") -> list[OccupancyRow]:
    """All rows of an occupancy file held in a string."""
    return list(parse_occupancy(io.StringIO(text, newline=""), source))


def read_occupancy(path: Path | str, *, limit: int | None = None) -> Iterator[OccupancyRow]:
    """Rows of an occupancy file, at most ``limit``; OccupancyFormatError if unreadable or malformed."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise OccupancyFormatError(str(path), None, f"cannot open: {exc.strerror or exc}") from None
    with handle:
        for count, row in enumerate(parse_occupancy(handle, str(path))):
            if limit is not None and count >= limit:
                return
            yield row

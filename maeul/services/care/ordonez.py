"""Converter of the Ordóñez ADL binary-sensor dataset (two real homes) to the care events CSV.

The dataset (UCI "Activities of Daily Living (ADLs) Recognition Using Binary Sensors") gives, per home, a file
of sensor intervals (start, end, location, type, place) and a file of hand-made activity labels (start, end,
activity). Fields are separated by one or more tabs, lines end in CRLF, the first two lines are headers.

Following ``care-evaluation.md``: each interval becomes two rows (value 1 at its start, 0 at its end); PIR is
``motion``, the magnetic sensor on the main door is ``door``, other magnetic sensors ``contact``, ``Flush``
``flush``, ``Pressure`` ``pressure``, ``Electric`` ``power``. The "Leaving" labels ride along as rows of kind
``label:away`` (1 when the resident leaves, 0 when back). A sensor's id is its location and room
(``Door-Kitchen``): in home B three motion sensors share the location "Door".

The data stays where it is (``../shared/data``); this module only reads it and writes the CSV where told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from maeul.services.care.detection.events import Event
from maeul.services.care.detection.events_csv import write_events

KINDS = {"pir": "motion", "flush": "flush", "pressure": "pressure", "electric": "power"}
AWAY_LABELS = {"leaving", "leave house", "leave_house"}
_TS = "%Y-%m-%d %H:%M:%S"
_SPLIT = re.compile(r"\t+")


class OrdonezFormatError(ValueError):
    """A line of the dataset that does not fit its format; the message names file and line (ko + en)."""


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime
    fields: tuple[str, ...]
    where: str


def _fields(line: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(line.strip()) if part.strip()]


def _time(text: str, where: str) -> datetime:
    try:
        return datetime.strptime(text, _TS)
    except ValueError:
        raise OrdonezFormatError(
            f"{where}: 시각 형식 오류 {text!r} (YYYY-MM-DD HH:MM:SS) / bad time {text!r} (expected YYYY-MM-DD HH:MM:SS)"
        ) from None


def read_intervals(lines: Iterable[str], name: str, width: int) -> Iterator[Interval]:
    """The intervals of one file: two header lines skipped, ``width`` fields after the two times (not checked)."""
    for number, line in enumerate(lines, start=1):
        if number <= 2 or not line.strip():
            continue
        parts = _fields(line)
        where = f"{name}:{number}"
        # dates and times are separate tab-free tokens joined by one space: "2011-11-28 02:27:59"
        if len(parts) < 2 + width:
            raise OrdonezFormatError(
                f"{where}: 필드 {2 + width}개가 필요한데 {len(parts)}개 / expected {2 + width} fields, got {len(parts)}"
            )
        yield Interval(_time(parts[0], where), _time(parts[1], where), tuple(parts[2 : 2 + width]), where)


def _checked(interval: Interval) -> Interval:
    if interval.end < interval.start:
        raise OrdonezFormatError(f"{interval.where}: 끝이 시작보다 앞섬 / the interval ends before it starts")
    return interval


def sensor_events(lines: Iterable[str], name: str = "sensors") -> list[Event]:
    out: list[Event] = []
    for interval in map(_checked, read_intervals(lines, name, 3)):
        location, sensor_type, place = interval.fields
        kind = KINDS.get(sensor_type.lower())
        if sensor_type.lower() == "magnetic":
            kind = "door" if location.lower() == "maindoor" else "contact"
        if kind is None:
            raise OrdonezFormatError(
                f"{name}: 알 수 없는 센서 종류 {sensor_type!r} / unknown sensor type {sensor_type!r}"
            )
        sensor = f"{location}-{place}"
        out.append(Event(interval.start, sensor, place, kind, 1.0))
        out.append(Event(interval.end, sensor, place, kind, 0.0))
    return out


def label_events(lines: Iterable[str], name: str = "adls") -> list[Event]:
    out: list[Event] = []
    for interval in read_intervals(lines, name, 1):
        # other labels are not used (a few of them in home A end before they start: a typing slip in the data)
        if interval.fields[0].lower() in AWAY_LABELS:
            _checked(interval)
            out.append(Event(interval.start, "label", "", "label:away", 1.0))
            out.append(Event(interval.end, "label", "", "label:away", 0.0))
    return out


def convert(sensors: Path, adls: Path | None) -> list[Event]:
    """The events of one home, sorted by time (at one instant: ends before starts)."""
    with sensors.open(encoding="utf-8", errors="replace", newline="") as f:
        events = sensor_events(f, sensors.name)
    if adls is not None:
        with adls.open(encoding="utf-8", errors="replace", newline="") as f:
            events.extend(label_events(f, adls.name))
    events.sort(key=lambda e: (e.ts, e.value, e.sensor))
    return events


def convert_file(sensors: Path, adls: Path | None, out: Path) -> int:
    """Write the events CSV of one home to ``out``; the number of rows written."""
    events = convert(sensors, adls)
    with out.open("w", encoding="utf-8", newline="") as f:
        write_events(events, f)
    return len(events)

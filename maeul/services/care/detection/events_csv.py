"""The events CSV of ``care-evaluation.md``: ``ts,sensor,room,kind,value``, one row per state change, by time.

Parsing is strict and names the line of the first problem, in Korean and English: a wrong header, a missing
field, a time that is not ISO 8601, a value that is not a finite number, rows out of time order.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TextIO

from maeul.services.care.detection.events import Event, local_seconds

HEADER = ("ts", "sensor", "room", "kind", "value")


class EventsFormatError(ValueError):
    """A row that does not fit the events CSV; ``line`` is its 1-based line number."""

    def __init__(self, line: int, ko: str, en: str) -> None:
        super().__init__(f"line {line}: {ko} / {en}")
        self.line = line
        self.ko = ko
        self.en = en


def _value(text: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise EventsFormatError(line, f"값이 숫자가 아님: {text!r}", f"value is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise EventsFormatError(line, f"값이 유한한 숫자가 아님: {text!r}", f"value is not finite: {text!r}")
    return value


def _time(text: str, line: int) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise EventsFormatError(
            line, f"시각이 ISO 8601 형식이 아님: {text!r}", f"ts is not an ISO 8601 date-time: {text!r}"
        ) from None


def parse_events(lines: Iterable[str]) -> Iterator[Event]:
    """Events from the lines of an events CSV (header first); EventsFormatError at the first bad line."""
    reader = csv.reader(lines, strict=True)
    previous: float | None = None
    try:
        for row in reader:
            line = reader.line_num
            if line == 1 or (previous is None and reader.line_num == 1):
                header = tuple(cell.strip().lstrip("\ufeff") for cell in row)
                if header != HEADER:
                    raise EventsFormatError(
                        line, f"머리글은 {','.join(HEADER)} 이어야 함", f"the header must be {','.join(HEADER)}"
                    )
                continue
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(HEADER):
                raise EventsFormatError(
                    line,
                    f"필드가 {len(HEADER)}개가 아니라 {len(row)}개",
                    f"expected {len(HEADER)} fields, got {len(row)}",
                )
            ts = _time(row[0], line)
            sensor, room, kind = row[1].strip(), row[2].strip(), row[3].strip().lower()
            if not sensor:
                raise EventsFormatError(line, "센서 id가 비어 있음", "sensor is empty")
            if not kind:
                raise EventsFormatError(line, "종류(kind)가 비어 있음", "kind is empty")
            event = Event(ts, sensor, room, kind, _value(row[4], line))
            t = local_seconds(ts)
            if previous is not None and t < previous:
                raise EventsFormatError(line, "시간 순서가 아님 (앞 행보다 이름)", "rows are not in time order")
            previous = t
            yield event
    except csv.Error as error:
        raise EventsFormatError(reader.line_num, f"CSV 형식 오류: {error}", f"malformed CSV: {error}") from None


def write_events(events: Iterable[Event], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for e in events:
        number = float(e.value)
        value = int(number) if number.is_integer() else number
        writer.writerow((e.ts.isoformat(), e.sensor, e.room, e.kind, value))

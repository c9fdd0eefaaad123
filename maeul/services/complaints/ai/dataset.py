"""The labelled-complaints CSV (UTF-8, header required, column order free), read and written.

Columns: ``text`` (required), ``category`` (required), ``department`` (required), ``lat`` and ``lon``
(WGS84 degrees, both or neither), ``created_at`` (ISO 8601 with a time zone), ``district_code``; any other
column is ignored by the AI (e.g. ``incident`` in duplicate test sets, ``id``). Every bad row is reported with
its line number (the header is line 1) and nothing is returned unless the whole file is valid.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

REQUIRED = ("text", "category", "department")
COLUMNS = ("text", "category", "department", "lat", "lon", "created_at", "district_code")
MAX_ROWS = 200_000


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message_ko: str
    message_en: str


@dataclass(frozen=True, slots=True)
class LabelledRow:
    line: int
    text: str
    category: str
    department: str
    lat: float | None = None
    lon: float | None = None
    created_at: datetime | None = None
    district_code: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _number(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def parse_labelled_csv(text: str) -> tuple[list[LabelledRow], list[RowError]]:
    """Rows if the whole file is valid; otherwise every error found."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], [RowError(1, "파일이 비어 있습니다", "the file is empty")]
    except csv.Error as exc:
        return [], [RowError(1, "CSV 머리글을 읽을 수 없습니다", f"unreadable CSV header: {exc}")]
    missing = [c for c in REQUIRED if c not in header]
    if missing or len(set(header)) != len(header):
        what = ", ".join(missing) if missing else "-"
        return [], [
            RowError(1, f"머리글에 필요한 열이 없거나 중복됩니다: {what}", f"header lacks or repeats columns: {what}")
        ]
    rows: list[LabelledRow] = []
    errors: list[RowError] = []
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(reader.line_num, "CSV를 읽을 수 없습니다", f"unreadable CSV: {exc}"))
            break
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(rows) >= MAX_ROWS:
            errors.append(RowError(line, f"한 파일에 {MAX_ROWS}행까지", f"at most {MAX_ROWS} rows in one file"))
            break
        if len(fields) != len(header):
            errors.append(
                RowError(line, f"열 {len(header)}개가 필요한데 {len(fields)}개입니다", f"expected {len(header)} fields")
            )
            continue
        record = dict(zip(header, fields, strict=True))
        problems: list[tuple[str, str]] = []
        for column in REQUIRED:
            if not record[column].strip():
                problems.append((f"{column} 값이 비어 있습니다", f"{column} is empty"))
        lat = lon = None
        lat_text, lon_text = record.get("lat", "").strip(), record.get("lon", "").strip()
        if bool(lat_text) != bool(lon_text):
            problems.append(("lat과 lon은 둘 다 쓰거나 둘 다 비워야 합니다", "give both lat and lon, or neither"))
        elif lat_text:
            lat, lon = _number(lat_text, -90, 90), _number(lon_text, -180, 180)
            if lat is None or lon is None:
                problems.append(("위도·경도 값이 올바르지 않습니다", f"bad lat/lon {lat_text!r}, {lon_text!r}"))
        created = None
        created_text = record.get("created_at", "").strip()
        if created_text:
            try:
                created = datetime.fromisoformat(created_text.replace("Z", "+00:00"))
            except ValueError:
                created = None
            if created is None or created.tzinfo is None:
                problems.append(
                    ("created_at은 시간대가 있는 ISO 8601이어야 합니다", f"bad created_at {created_text!r}")
                )
        if problems:
            errors.extend(RowError(line, ko, en) for ko, en in problems)
            continue
        rows.append(
            LabelledRow(
                line=line,
                text=record["text"].strip(),
                category=record["category"].strip(),
                department=record["department"].strip(),
                lat=lat,
                lon=lon,
                created_at=created,
                district_code=record.get("district_code", "").strip() or None,
                extra={k: v for k, v in record.items() if k not in COLUMNS},
            )
        )
    if not rows and not errors:
        errors.append(RowError(1, "머리글만 있고 자료가 없습니다", "the file has a header but no rows"))
    return ([] if errors else rows), errors


def write_labelled_csv(rows: Iterable[dict[str, object]], extra_columns: tuple[str, ...] = ()) -> str:
    """CSV text in the same format (``created_at`` as ISO 8601; missing values empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*extra_columns, *COLUMNS], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: (v.isoformat() if isinstance(v, datetime) else ("" if v is None else v)) for k, v in row.items()}
        )
    return out.getvalue()

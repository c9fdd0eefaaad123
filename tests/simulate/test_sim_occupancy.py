"""Reading the UCI occupancy files: the header/row-count quirk, Seoul-naive dates, errors with file and line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_support import occupancy_test_file, shared_file

from maeul.simulate.occupancy import (
    SEOUL,
    OccupancyFormatError,
    OccupancyRow,
    parse_occupancy_text,
    read_occupancy,
)

HEADER = '"date","Temperature","Humidity","Light","CO2","HumidityRatio","Occupancy"\n'
ROW = '"140","2015-02-02 14:19:00",23.7,26.272,585.2,749.2,0.00476416302416414,1\n'


def seoul_ms(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=SEOUL).timestamp() * 1000)


@pytest.fixture
def occupancy_file(pytestconfig: pytest.Config) -> Path:
    return occupancy_test_file(pytestconfig)


def test_reads_the_real_files(pytestconfig: pytest.Config) -> None:
    counts = {}
    for name in ("datatest.txt", "datatest2.txt", "datatraining.txt"):
        path = shared_file(pytestconfig, "data", "occupancy", name)
        rows = list(read_occupancy(path))
        counts[name] = len(rows)
        assert rows == sorted(rows, key=lambda r: r.ts_ms)
        assert all(r.occupancy in (0, 1) for r in rows)
        assert all(15 < r.temperature < 30 and 10 < r.humidity < 50 and r.light >= 0 for r in rows)
        assert datetime.fromtimestamp(rows[0].ts_ms / 1000, SEOUL).strftime("%Y-%m") == "2015-02"
    # Each file has one header line; every other line is a reading.
    assert counts == {"datatest.txt": 2665, "datatest2.txt": 9752, "datatraining.txt": 8143}


def test_first_row_of_datatest(occupancy_file: Path) -> None:
    first = next(read_occupancy(occupancy_file))
    assert first == OccupancyRow(
        ts_ms=seoul_ms(2015, 2, 2, 14, 19),
        temperature=23.7,
        humidity=26.272,
        light=585.2,
        co2=749.2,
        humidity_ratio=0.00476416302416414,
        occupancy=1,
    )


def test_limit(occupancy_file: Path) -> None:
    assert len(list(read_occupancy(occupancy_file, limit=200))) == 200


@pytest.mark.parametrize(
    "text",
    [
        HEADER + ROW,  # the real shape: 7 names, 8 fields
        HEADER + '"2015-02-02 14:19:00",23.7,26.272,585.2,749.2,0.00476416302416414,1\n',  # no row index
        '"id",' + HEADER + ROW,  # the index named in the header
        HEADER.replace("\n", "\r\n") + ROW.replace("\n", "\r\n") + "\r\n\r\n",  # Windows lines, blank lines
        HEADER + '"140",2015-02-02 14:19:00,23.7,26.272,585.2,749.2,0.00476416302416414,1',  # unquoted date, no EOL
        '"Occupancy","CO2","date","Light","Humidity","Temperature","HumidityRatio"\n'
        '"140",1,749.2,"2015-02-02 14:19:00",585.2,26.272,23.7,0.00476416302416414\n',  # columns by name
    ],
)
def test_tolerated_shapes(text: str) -> None:
    rows = parse_occupancy_text(text)
    assert [(r.ts_ms, r.temperature, r.light, r.co2, r.occupancy) for r in rows] == [
        (seoul_ms(2015, 2, 2, 14, 19), 23.7, 585.2, 749.2, 1)
    ]


def test_dates_with_an_offset_keep_it() -> None:
    text = HEADER + '"1","2015-02-02T14:19:00+01:00",23.7,26.2,585.2,749.2,0.0047,0\n'
    (row,) = parse_occupancy_text(text)
    assert row.ts_ms == int(datetime.fromisoformat("2015-02-02T14:19:00+01:00").timestamp() * 1000)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", None, "empty file"),
        ("\n\n", None, "empty file"),
        (ROW, 1, "expected a header"),
        ('"date","Temperature"\n', 1, "lacks humidity"),
        (HEADER + ROW + '"141","2015-02-02 14:20:00",23.7,26.2\n', 3, "expected 7 or 8 fields, found 4"),
        (HEADER + '"1","yesterday",23.7,26.2,585.2,749.2,0.0047,1\n', 2, "is not a date"),
        (HEADER + '"1","2015-02-02 14:19:00",warm,26.2,585.2,749.2,0.0047,1\n', 2, "Temperature: 'warm'"),
        (HEADER + '"1","2015-02-02 14:19:00",23.7,nan,585.2,749.2,0.0047,1\n', 2, "Humidity: 'nan' is not a finite"),
        (HEADER + '"1","2015-02-02 14:19:00",23.7,26.2,585.2,749.2,0.0047,2\n', 2, "Occupancy: expected 0 or 1"),
        (HEADER + ROW + ROW + '"9","2015-02-02 14:19:00",1,2,3,4,5,1\n"x', 5, "expected 7 or 8 fields"),
    ],
)
def test_errors_name_the_source_and_line(text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(OccupancyFormatError) as caught:
        parse_occupancy_text(text, "rooms.csv")
    assert caught.value.line == line
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"rooms.csv:{line}: " if line else "rooms.csv: ")


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(OccupancyFormatError, match="cannot open"):
        list(read_occupancy(tmp_path / "missing.txt"))
    latin = tmp_path / "latin.txt"
    latin.write_bytes(HEADER.encode() + b'"1","2015-02-02 14:19:00",23.7,26.2,585.2,749.2,0.0047,1\n\xff\xfe\n')
    with pytest.raises(OccupancyFormatError, match="not UTF-8") as caught:
        list(read_occupancy(latin))
    assert caught.value.source == str(latin)
    bom = tmp_path / "bom.txt"
    bom.write_text("\ufeff" + HEADER + ROW, encoding="utf-8")
    assert len(list(read_occupancy(bom))) == 1


def _never_crashes(text: str) -> None:
    try:
        rows = parse_occupancy_text(text, "fuzz.csv")
    except OccupancyFormatError as exc:
        assert str(exc).startswith("fuzz.csv")
        return
    assert all(isinstance(r, OccupancyRow) for r in rows)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_only_raises_format_errors(text: str) -> None:
    _never_crashes(text)


FIELD = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"-?[0-9]{1,400}(\.[0-9]*)?(e-?[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(["2015-02-02 14:19:00", "0", "1", "inf", "-0", "1e999", "9999-12-31 23:59:59", "0001-01-01"]),
    st.datetimes().map(str),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(FIELD, min_size=0, max_size=10).map(",".join), max_size=6).map("\n".join))
def test_arbitrary_rows_after_a_header_only_raise_format_errors(body: str) -> None:
    _never_crashes(HEADER + body)

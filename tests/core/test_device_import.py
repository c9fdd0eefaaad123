"""Bulk device-import CSV: every bad row reported by line number, all rows or none, never a crash."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maeul.core.device_import import DeviceRow, parse_device_csv

PROFILES = {"care-room", "meter"}


def parse(text: str, existing: set[str] | None = None) -> tuple[list[DeviceRow], list[tuple[int, str]]]:
    rows, errors = parse_device_csv(text, profiles=PROFILES, existing_names=existing or set())
    return rows, [(e.line, e.message) for e in errors]


def test_a_good_file() -> None:
    rows, errors = parse(
        "\ufeffname, profile ,lon,lat,district_code,gateway,attr.household,attr.floor\r\n"
        "gw,,127.2,37.6,3113025,,,\r\n"
        '"room, 1",care-room,127.21,37.61,,gw,"H-01",2\r\n'
        "\r\n"
        "room-2,meter,,,,old-gateway,,\r\n",
        existing={"old-gateway"},
    )
    assert errors == []
    assert rows == [
        DeviceRow(2, "gw", None, 127.2, 37.6, "3113025", None, {}),
        DeviceRow(3, "room, 1", "care-room", 127.21, 37.61, None, "gw", {"household": "H-01", "floor": "2"}),
        DeviceRow(5, "room-2", "meter", None, None, None, "old-gateway", {}),
    ]


def test_columns_in_any_order_and_only_name_required() -> None:
    rows, errors = parse("lat,name,lon\n37.5,a,127\n,b,\n")
    assert errors == [] and [(r.name, r.lon, r.lat) for r in rows] == [("a", 127.0, 37.5), ("b", None, None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "the file is empty")]),
        ("name\n", [(1, "the file has a header but no devices")]),
        ("name\n\n,\n", [(1, "the file has a header but no devices")]),
        ("device\nx\n", [(1, "the header has no 'name' column"), (1, "unknown column(s): device")]),
        ("name,colour\nx,red\n", [(1, "unknown column(s): colour")]),
        ("name,lon,lon\nx,1,2\n", [(1, "a column name appears twice")]),
        ("name,lon,lat\na,1\n", [(2, "expected 3 fields, found 2")]),
        ("name,profile\na,nope\n", [(2, "unknown profile 'nope'")]),
        ("name,lon,lat\na,1,\n", [(2, "give both lon and lat, or neither")]),
        ("name,lon,lat\na,181,1\n", [(2, "lon '181' is outside -180..180")]),
        ("name,lon,lat\na,1,-90.5\n", [(2, "lat '-90.5' is outside -90..90")]),
        ("name,lon,lat\na,nan,1\n", [(2, "lon 'nan' is outside -180..180")]),
        ("name,lon,lat\na,x,1\n", [(2, "lon 'x' is not a number")]),
        ("name\n" + "n" * 201 + "\n", [(2, "name is longer than 200 characters")]),
        ("name,profile\n,meter\n", [(2, "name is empty")]),
        ("name\na\na\n", [(3, "name 'a' is already used on line 2")]),
        ("name\ntaken\n", [(2, "a device named 'taken' already exists")]),
        ("name,gateway\na,ghost\n", [(2, "gateway 'ghost' is neither in this file nor registered")]),
        ("name,gateway\na,a\n", [(2, "a device cannot be its own gateway")]),
    ],
)
def test_refusals(text: str, expected: list[tuple[int, str]]) -> None:
    rows, errors = parse(text, existing={"taken"})
    assert rows == []
    assert [line for line, _ in errors] == [line for line, _ in expected]
    for (_, message), (_, start) in zip(errors, expected, strict=True):
        assert message.startswith(start), (message, start)


def test_every_bad_row_is_reported_in_line_order_and_nothing_is_returned() -> None:
    text = "name,profile,lon,lat\nok,,,\nbad-1,nope,,\nok-2,,,\nbad-2,,1,\nbad-3,,x,y\n"
    rows, errors = parse(text)
    assert rows == []
    assert [line for line, _ in errors] == [3, 5, 6]
    # A multi-line quoted field: the error names the line the record ends on.
    rows, errors = parse('name,profile\n"two\nlines",nope\n')
    assert errors == [(3, "unknown profile 'nope'")]


# --- properties ------------------------------------------------------------------------------------------


def check_report(text: str) -> None:
    rows, errors = parse_device_csv(text, profiles=PROFILES, existing_names={"taken"})
    assert (rows == []) or (errors == [])
    assert rows or errors
    last_line = max(1, text.count("\n") + text.count("\r") + 1)
    for error in errors:
        assert 1 <= error.line <= last_line, (error, text)
        assert error.message
    assert [e.line for e in errors] == sorted(e.line for e in errors)
    for row in rows:
        assert 2 <= row.line <= last_line and row.name


csv_text = st.text(alphabet=st.sampled_from(list('name,profilgtwy.x1-"\n 9attr')), max_size=200)


@settings(max_examples=400)
@given(st.one_of(csv_text, st.text(max_size=200).map(lambda t: "name,lon,lat\n" + t)))
def test_any_text_gets_a_report_with_existing_line_numbers(text: str) -> None:
    """(Text without a carriage return: see the next test for that.)"""
    check_report(text.replace("\r", ""))


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_any_text_at_all_gets_a_report(text: str) -> None:
    check_report("name\n" + text + "\rx\n")


names = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
coordinates = st.one_of(
    st.none(), st.tuples(st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False))
)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(names, st.sampled_from(["", "care-room", "meter"]), coordinates),
        min_size=1,
        max_size=8,
        unique_by=lambda r: r[0],
    )
)
def test_written_rows_parse_back(devices: list) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "profile", "lon", "lat", "attr.n"])
    for index, (name, profile, coords) in enumerate(devices):
        lon, lat = coords if coords else ("", "")
        writer.writerow([name, profile, repr(lon) if coords else "", repr(lat) if coords else "", str(index)])
    rows, errors = parse(buffer.getvalue())
    assert errors == []
    assert [(r.name, r.profile, r.lon, r.lat, r.attributes) for r in rows] == [
        (name, profile or None, coords[0] if coords else None, coords[1] if coords else None, {"n": str(i)})
        for i, (name, profile, coords) in enumerate(devices)
    ]

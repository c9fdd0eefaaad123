"""The events CSV: round trip (Hypothesis) and errors that name the line, in Korean and English."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maeul.services.care.detection.events import Event
from maeul.services.care.detection.events_csv import EventsFormatError, parse_events, write_events

HEADER = "ts,sensor,room,kind,value\n"
text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s.strip()
)
events = st.lists(
    st.builds(
        Event,
        st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(lambda d: d.replace(microsecond=0)),
        text,
        st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=8).map(str.strip),
        text.map(str.lower),
        st.floats(allow_nan=False, allow_infinity=False, width=32) | st.integers(-5, 5).map(float),
    ),
    max_size=30,
).map(lambda es: sorted(es, key=lambda e: e.ts))


@given(events)
def test_round_trip(items: list[Event]) -> None:
    out = io.StringIO()
    write_events(items, out)
    assert list(parse_events(io.StringIO(out.getvalue()))) == items


@given(st.text(max_size=200))
def test_any_text_parses_or_fails_cleanly(body: str) -> None:
    try:
        list(parse_events(io.StringIO(HEADER + body)))
    except EventsFormatError as error:
        assert error.line >= 1 and error.ko and error.en


@pytest.mark.parametrize(
    ("body", "line", "word"),
    [
        ("ts,sensor,room,kind\n", 1, "header"),
        (HEADER + "2026-03-01T10:00:00,pir,Kitchen,motion\n", 2, "fields"),
        (HEADER + "yesterday,pir,Kitchen,motion,1\n", 2, "ISO 8601"),
        (HEADER + "2026-03-01T10:00:00,pir,Kitchen,motion,on\n", 2, "not a number"),
        (HEADER + "2026-03-01T10:00:00,pir,Kitchen,motion,nan\n", 2, "finite"),
        (HEADER + "2026-03-01T10:00:00,,Kitchen,motion,1\n", 2, "sensor"),
        (HEADER + "2026-03-01T10:00:00,pir,Kitchen,motion,1\n2026-03-01T09:00:00,pir,Kitchen,motion,0\n", 3, "order"),
    ],
)
def test_errors_name_the_line(body: str, line: int, word: str) -> None:
    with pytest.raises(EventsFormatError) as error:
        list(parse_events(io.StringIO(body)))
    assert error.value.line == line and word in error.value.en and error.value.ko


def test_offsets_and_blank_lines() -> None:
    body = HEADER + "2026-03-01T10:00:00+09:00,pir,Kitchen,Motion,1\n\n2026-03-01T10:00:05,pir,Kitchen,motion,0\n"
    got = list(parse_events(io.StringIO(body)))
    assert [(e.kind, e.value) for e in got] == [("motion", 1.0), ("motion", 0.0)]

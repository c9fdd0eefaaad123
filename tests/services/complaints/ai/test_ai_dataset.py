from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maeul.services.complaints.ai import parse_labelled_csv, write_labelled_csv
from maeul.services.complaints.ai.morphemes import content_morphemes, morpheme_ngrams, normalise

HEADER = "text,category,department,lat,lon,created_at,district_code\n"


def test_a_valid_file() -> None:
    text = (
        "\ufeff"
        + HEADER
        + '"도로가 패였어요, 빨리요",road_damage,roads,37.65,127.32,2026-11-20T09:00:00+09:00,3113013\n'
    )
    rows, errors = parse_labelled_csv(text + "\n,,,,,,\n" + "가로등 고장,street_light,roads,,,,\n")
    assert errors == []
    assert rows[0].text == "도로가 패였어요, 빨리요" and rows[0].lat == 37.65 and rows[0].line == 2
    assert rows[0].created_at is not None and rows[0].created_at.utcoffset().total_seconds() == 9 * 3600
    assert rows[1].lat is None and rows[1].district_code is None and rows[1].line == 5


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty"),
        ("text,category\n", 1, "department"),
        ("text,text,category,department\n", 1, "repeats"),
        (HEADER, 1, "no rows"),
        (HEADER + ",a,b,,,,\n", 2, "text is empty"),
        (HEADER + "t,a,b,37.6,,,\n", 2, "both lat and lon"),
        (HEADER + "t,a,b,91,127,,\n", 2, "bad lat/lon"),
        (HEADER + "t,a,b,,,2026-11-20 09:00,\n", 2, "bad created_at"),
        (HEADER + "t,a,b,,,yesterday,\n", 2, "bad created_at"),
        (HEADER + "t,a,b\n", 2, "expected 7 fields"),
        (HEADER + 't,a,b,,,,\n"unterminated,a,b,,,,\n', 3, ""),
    ],
)
def test_bad_files_report_the_line_and_return_nothing(text: str, line: int, message: str) -> None:
    rows, errors = parse_labelled_csv(text)
    assert rows == [] and errors
    assert errors[0].line == line and message in errors[0].message_en and errors[0].message_ko


def test_every_bad_row_is_reported() -> None:
    _rows, errors = parse_labelled_csv(HEADER + ",a,b,,,,\nok,a,b,,,,\nt,,b,,,,\n")
    assert [e.line for e in errors] == [2, 4]


_cell = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\x00"), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "text": _cell.filter(lambda s: s.strip() == s and s),
                "category": st.sampled_from(["road_damage", "noise"]),
                "department": st.sampled_from(["roads", "environment"]),
                "lat": st.none() | st.floats(-90, 90, allow_nan=False).map(lambda v: round(v, 6)),
                "created_at": st.none() | st.datetimes(timezones=st.just(UTC)),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_written_files_read_back(rows: list[dict]) -> None:
    for row in rows:
        row["lon"] = None if row["lat"] is None else 127.0
    parsed, errors = parse_labelled_csv(write_labelled_csv(rows))
    assert errors == []
    assert [(r.text, r.category, r.lat, r.created_at) for r in parsed] == [
        (row["text"], row["category"], row["lat"], row["created_at"]) for row in rows
    ]


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_without_crashing(text: str) -> None:
    rows, errors = parse_labelled_csv(text)
    assert bool(rows) != bool(errors)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("  도로가   패였어요ㅠㅠㅠㅠ!!!!  ", "도로가 패였어요ㅠㅠ!!"), ("ＬＥＤ 가로등", "led 가로등"), ("", "")],
)
def test_normalise(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("도로에 포트홀이 생겼어요", {"도로", "포트", "생기다"}),
        ("LED 가로등이 꺼졌어요", {"led", "가로등", "꺼지다"}),
        ("...!!!", set()),
    ],
)
def test_content_morphemes(text: str, expected: set[str]) -> None:
    assert expected <= set(content_morphemes(text))
    assert not ({"에", "이", "어요"} & set(content_morphemes(text)))


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=80))
def test_morphemes_never_fail(text: str) -> None:
    grams = morpheme_ngrams(text)
    assert all(isinstance(g, str) and g for g in grams)
    assert normalise(normalise(text)) == normalise(text)


def test_written_times_are_iso_8601() -> None:
    text = write_labelled_csv(
        [{"text": "t", "category": "a", "department": "b", "created_at": datetime(2026, 1, 2, tzinfo=UTC)}]
    )
    assert "2026-01-02T00:00:00+00:00" in text

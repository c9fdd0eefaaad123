"""Parsers of Open311 input (pure): table-driven cases and Hypothesis (any input: a result or a clear 400)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maeul.services.complaints.open311.errors import Open311Error
from maeul.services.complaints.open311.params import (
    check_attributes,
    check_definitions,
    parse_datetime,
    parse_post,
    parse_requests_query,
)

BASE = [("service_code", "pothole"), ("lat", "37.5"), ("long", "127.1")]
DEFS = check_definitions(
    [
        {"code": "size", "datatype": "singlevaluelist", "required": True, "values": [{"key": "s", "name": "S"}]},
        {"code": "n", "datatype": "number"},
        {"code": "when", "datatype": "datetime"},
        {
            "code": "many",
            "datatype": "multivaluelist",
            "values": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
        },
    ]
)


def test_a_full_post() -> None:
    new = parse_post(
        [*BASE, ("api_key", "k"), ("jurisdiction_id", "nyj"), ("email", "a@b.kr"), ("description", " 구멍 "),
         ("attribute[size]", "s"), ("attribute[many][]", "a"), ("attribute[many][]", "b"), ("first_name", "길동")]
    )  # fmt: skip
    assert (new.service_code, new.lat, new.lon, new.api_key, new.jurisdiction_id) == (
        "pothole",
        37.5,
        127.1,
        "k",
        "nyj",
    )
    assert new.description == "구멍" and new.first_name == "길동"
    assert new.attributes == {"size": ["s"], "many": ["a", "b"]}


def test_an_address_is_a_location() -> None:
    new = parse_post([("service_code", "x"), ("address_string", "화도읍 1")])
    assert new.address == "화도읍 1" and new.lat is None
    assert parse_post([("service_code", "x"), ("address_id", "A1")]).address_id == "A1"


@pytest.mark.parametrize(
    ("pairs", "named"),
    [
        ([("lat", "1"), ("long", "2")], "service_code"),
        ([("service_code", "x")], "location"),
        ([("service_code", "x"), ("lat", "1")], "lat and long"),
        ([*BASE[:1], ("lat", "91"), ("long", "0")], "lat"),
        ([*BASE[:1], ("lat", "nan"), ("long", "0")], "lat"),
        ([*BASE, ("email", "not-an-address")], "email"),
        ([*BASE, ("description", "x" * 4001)], "description"),
        ([*BASE, ("description", "a\x00b")], "NUL"),
        ([*BASE, ("media_url", "file:///etc/passwd")], "media_url"),
        ([*BASE, ("service_code", "other")], "more than once"),
    ],
)
def test_bad_posts_are_400_naming_the_problem(pairs: list[tuple[str, str]], named: str) -> None:
    with pytest.raises(Open311Error) as refused:
        parse_post(pairs)
    assert refused.value.status == 400 and named in refused.value.en and refused.value.ko


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20T09:30:00+09:00", datetime(2026, 11, 20, 0, 30, tzinfo=UTC)),
        ("2026-11-20T00:30:00Z", datetime(2026, 11, 20, 0, 30, tzinfo=UTC)),
        ("2026-11-20T09:30:00 09:00", datetime(2026, 11, 20, 0, 30, tzinfo=UTC)),  # unencoded "+"
        ("2026-11-19T19:30:00-05:00", datetime(2026, 11, 20, 0, 30, tzinfo=UTC)),
    ],
)
def test_dates_are_iso_8601_with_a_zone(text: str, expected: datetime) -> None:
    assert parse_datetime("start_date", text) == int(expected.timestamp() * 1000)


@pytest.mark.parametrize("text", ["2026-11-20T09:30:00", "2026-11-20", "yesterday", "2026-13-01T00:00:00Z"])
def test_dates_without_zone_or_malformed_are_refused(text: str) -> None:
    with pytest.raises(Open311Error) as refused:
        parse_datetime("start_date", text)
    assert refused.value.status == 400 and "start_date" in refused.value.en


def test_requests_query() -> None:
    q = parse_requests_query(
        {"service_request_id": "3, 5,abc", "service_code": "a,b", "status": "open,closed", "page": "2",
         "page_size": "10", "start_date": "2026-11-01T00:00:00Z", "end_date": "2026-11-30T00:00:00Z",
         "updated_after": "2026-11-02T00:00:00Z", "jurisdiction_id": "nyj"}
    )  # fmt: skip
    assert q.ids == (3, 5) and q.service_codes == ("a", "b") and q.statuses == ("open", "closed")
    assert (q.page, q.page_size, q.jurisdiction_id) == (2, 10, "nyj")
    assert q.start is not None and q.end is not None and q.updated_after is not None


def test_default_window_is_the_last_90_days() -> None:
    now = 100 * 86_400_000
    assert parse_requests_query({}).window(now) == (now - 90 * 86_400_000, None)
    q = parse_requests_query({"start_date": "1970-01-02T00:00:00Z"})
    assert q.window(now) == (86_400_000, None)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"page": "0"},
        {"page_size": "1001"},
        {"page": "-1"},
        {"start_date": "2026-11-30T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
        {"updated_before": "soon"},
    ],
)
def test_bad_queries_are_400(params: dict[str, str]) -> None:
    with pytest.raises(Open311Error) as refused:
        parse_requests_query(params)
    assert refused.value.status == 400


def test_attributes_against_the_definition() -> None:
    values = check_attributes(DEFS, {"size": ["s"], "n": ["2.5"], "many": ["a", "b"], "when": ["2026-11-20T00:00Z"]})
    assert values == {"size": "s", "n": "2.5", "many": ["a", "b"], "when": "2026-11-20T00:00Z"}
    for given_values, named in (
        ({}, "required"),
        ({"size": ["x"]}, "not one of"),
        ({"size": ["s"], "n": ["many"]}, "number"),
        ({"size": ["s"], "ghost": ["1"]}, "not an attribute"),
        ({"size": ["s", "s"]}, "one value"),
    ):
        with pytest.raises(Open311Error, match=named):
            check_attributes(DEFS, given_values)


def test_definitions_are_checked() -> None:
    for bad in ([{"datatype": "string"}], [{"code": "a", "datatype": "colour"}],
                [{"code": "a", "datatype": "singlevaluelist"}], [{"code": "a"}, {"code": "a"}], "x"):  # fmt: skip
        with pytest.raises(ValueError):
            check_definitions(bad)


# --- Hypothesis: any input gives a result or a 400 with both languages, never another exception --------------

keys = st.sampled_from(["service_code", "lat", "long", "address_string", "email", "description", "media_url",
                        "attribute[size]", "attribute[many][]", "api_key", "jurisdiction_id", "x"])  # fmt: skip


@given(st.lists(st.tuples(keys, st.text(max_size=30)), max_size=12))
def test_parse_post_never_fails_otherwise(pairs: list[tuple[str, str]]) -> None:
    try:
        new = parse_post(pairs)
    except Open311Error as exc:
        assert exc.status == 400 and exc.en and exc.ko
        return
    assert new.service_code
    assert new.lat is not None or new.address or new.address_id


query_keys = st.sampled_from(["service_request_id", "service_code", "start_date", "end_date", "status", "page",
                              "page_size", "updated_after", "updated_before", "jurisdiction_id"])  # fmt: skip


@given(st.dictionaries(query_keys, st.text(max_size=30), max_size=8))
def test_parse_query_never_fails_otherwise(params: dict[str, str]) -> None:
    try:
        q = parse_requests_query(params)
    except Open311Error as exc:
        assert exc.status == 400 and exc.en and exc.ko
        return
    assert 1 <= q.page_size <= 1000 and q.page >= 1


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1)),
       st.integers(min_value=-14 * 60, max_value=14 * 60))  # fmt: skip
def test_any_zoned_datetime_round_trips(moment: datetime, offset_min: int) -> None:
    zoned = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset_min)))
    assert parse_datetime("d", zoned.isoformat()) == int(zoned.timestamp() * 1000)


@given(st.dictionaries(st.sampled_from(["size", "n", "many", "when", "zz"]), st.lists(st.text(max_size=8), max_size=3)))
def test_check_attributes_never_fails_otherwise(given_values: dict[str, list[str]]) -> None:
    try:
        check_attributes(DEFS, given_values)
    except Open311Error as exc:
        assert exc.status == 400 and exc.ko

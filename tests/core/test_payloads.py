"""Telemetry payload parsing: every accepted form, every refusal, and properties over arbitrary input."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maeul.core.payloads import MAX_READINGS, MAX_STRING, RESERVED_KEYS, PayloadError, parse_document, parse_payload
from maeul.core.readings import MAX_FUTURE_MS, MIN_TS_MS, Reading

NOW = 1_795_000_000_000


def readings(data: Any) -> list[tuple[str, int, float | str]]:
    parsed = parse_payload(json.dumps(data).encode(), NOW)
    return [(r.key, r.ts, r.value) for r in parsed.readings]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"temperature": 21.5}, [("temperature", NOW, 21.5)]),
        ({"motion": True, "door": False}, [("motion", NOW, 1.0), ("door", NOW, 0.0)]),
        ({"count": 3}, [("count", NOW, 3.0)]),
        ({"status": "재실"}, [("status", NOW, "재실")]),
        ({"ts": NOW - 5, "values": {"t": -1}}, [("t", NOW - 5, -1.0)]),
        ({"ts": float(NOW - 5) + 0.9, "values": {"t": 1}}, [("t", NOW - 5, 1.0)]),
        ({"values": {"t": 1}}, [("t", NOW, 1.0)]),
        ([{"a": 1}, {"ts": MIN_TS_MS, "values": {"b": 2}}], [("a", NOW, 1.0), ("b", MIN_TS_MS, 2.0)]),
        ({"ts": NOW + MAX_FUTURE_MS, "values": {"t": 1}}, [("t", NOW + MAX_FUTURE_MS, 1.0)]),
        ({"k.e-y_1": 0, "X" * 64: 1}, [("k.e-y_1", NOW, 0.0), ("X" * 64, NOW, 1.0)]),
        ({"s": "x" * MAX_STRING}, [("s", NOW, "x" * MAX_STRING)]),
    ],
)
def test_accepted_forms(payload: Any, expected: list) -> None:
    assert readings(payload) == expected


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"\xff", "not valid JSON"),
        (b'{"a": NaN}', "not valid JSON"),
        (b"[]", "empty batch"),
        (b"{}", "no readings"),
        (b"[{}]", "no readings"),
        (b"5", "each entry must be a JSON object"),
        (b'"text"', "each entry must be a JSON object"),
        (b"[[1]]", "each entry must be a JSON object"),
        (b'{"ts": 1}', '"values" as an object'),
        (b'{"ts": 1, "values": 3}', '"values" as an object'),
        (b'{"ts": 1795000000000, "values": {}, "x": 1}', "unexpected field(s) beside"),
        (b'{"ts": "now", "values": {"a": 1}}', "milliseconds (a number)"),
        (b'{"ts": true, "values": {"a": 1}}', "milliseconds (a number)"),
        (b'{"ts": 1795000000, "values": {"a": 1}}', "before 2000-01-01"),
        (f'{{"ts": {NOW + MAX_FUTURE_MS + 1}, "values": {{"a": 1}}}}'.encode(), "in the future"),
    ],
)
def test_unusable_messages_raise_payload_error(payload: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_payload(payload, NOW)


def test_too_many_readings() -> None:
    with pytest.raises(PayloadError, match="more than"):
        parse_document({f"k{i}": i for i in range(MAX_READINGS + 1)}, NOW)
    assert len(parse_document({f"k{i}": i for i in range(MAX_READINGS)}, NOW).readings) == MAX_READINGS


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"bad key": 1}, "invalid key 'bad key'"),
        ({"k" * 65: 1}, "invalid key"),
        ({"": 1}, "invalid key ''"),
        ({"a": None}, "a: unsupported value of type null"),
        ({"a": {"b": 1}}, "a: unsupported value of type dict"),
        ({"a": [1]}, "a: unsupported value of type list"),
        ({"a": "x" * (MAX_STRING + 1)}, "a: text longer than"),
    ],
)
def test_unusable_readings_are_rejected_with_reasons(payload: dict, reason: str) -> None:
    parsed = parse_document({**payload, "ok": 1}, NOW)
    assert parsed.readings == [Reading("ok", NOW, 1.0)]
    assert len(parsed.rejections) == 1 and reason in parsed.rejections[0].reason
    assert parsed.rejections[0].ts == NOW


def test_a_key_with_a_trailing_newline_is_rejected() -> None:
    parsed = parse_document({"level\n": 1}, NOW)
    assert parsed.readings == [] and parsed.rejections


# --- properties ------------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_nothing_but_payload_error(data: bytes) -> None:
    with contextlib.suppress(PayloadError):
        parse_payload(data, NOW)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(json_values)
def test_arbitrary_json_raises_nothing_but_payload_error(document: Any) -> None:
    try:
        parsed = parse_payload(json.dumps(document).encode(), NOW)
    except PayloadError:
        return
    for reading in parsed.readings:
        assert isinstance(reading.value, float | str) and MIN_TS_MS <= reading.ts <= NOW + MAX_FUTURE_MS


keys = st.from_regex(r"[A-Za-z0-9_.\-]{1,64}", fullmatch=True).filter(lambda k: k not in RESERVED_KEYS)
values = (
    st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=MAX_STRING)
)
timestamps = st.integers(min_value=MIN_TS_MS, max_value=NOW + MAX_FUTURE_MS)
entries = st.tuples(st.none() | timestamps, st.dictionaries(keys, values, min_size=1, max_size=5))


def expected_value(raw: Any) -> float | str:
    return float(raw) if isinstance(raw, bool | int | float) else raw


@settings(max_examples=300)
@given(st.lists(entries, min_size=1, max_size=5), st.booleans())
def test_valid_payloads_round_trip(batch: list[tuple[int | None, dict[str, Any]]], as_array: bool) -> None:
    documents = [values_ if ts is None else {"ts": ts, "values": values_} for ts, values_ in batch]
    if not as_array:
        documents = documents[:1]
    payload = orjson.dumps(documents if as_array else documents[0])
    parsed = parse_payload(payload, NOW)
    expected = [
        Reading(key, NOW if ts is None else ts, expected_value(raw))
        for ts, values_ in (batch if as_array else batch[:1])
        for key, raw in values_.items()
    ]
    assert parsed.rejections == []
    assert parsed.readings == expected
    assert parse_payload(payload.decode(), NOW).readings == expected  # str in, same out


def test_ts_and_values_are_reserved_in_the_plain_form() -> None:
    """A plain object with a key "ts" or "values" is read as the timestamped form, so those keys are reserved."""
    with pytest.raises(PayloadError, match='needs "values" as an object'):
        parse_document({"values": 1}, NOW)

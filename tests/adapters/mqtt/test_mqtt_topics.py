"""Telemetry topic building and parsing: tables and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maeul.adapters.mqtt.topics import (
    MAX_DEVICE_ID,
    parse_telemetry_topic,
    shared_subscription,
    telemetry_topic,
)

tenants = st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True)
device_ids = st.integers(min_value=1, max_value=MAX_DEVICE_ID)


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("maeul/namyangju/7/telemetry", ("namyangju", 7)),
        ("maeul/suwon-si/123456/telemetry", ("suwon-si", 123456)),
        ("maeul/-/1/telemetry", ("-", 1)),
        ("maeul/0/9/telemetry", ("0", 9)),
        (f"maeul/{'a' * 40}/1/telemetry", ("a" * 40, 1)),
        (f"maeul/t/{MAX_DEVICE_ID}/telemetry", ("t", MAX_DEVICE_ID)),
        (f"maeul/t/{MAX_DEVICE_ID + 1}/telemetry", None),
        (f"maeul/{'a' * 41}/1/telemetry", None),
        ("maeul/Namyangju/7/telemetry", None),
        ("maeul/nam_yangju/7/telemetry", None),
        ("maeul/남양주/7/telemetry", None),
        ("maeul//7/telemetry", None),
        ("maeul/namyangju//telemetry", None),
        ("maeul/namyangju/0/telemetry", None),
        ("maeul/namyangju/007/telemetry", None),
        ("maeul/namyangju/-7/telemetry", None),
        ("maeul/namyangju/+7/telemetry", None),
        ("maeul/namyangju/7.0/telemetry", None),
        ("maeul/namyangju/ 7/telemetry", None),
        ("maeul/namyangju/٣/telemetry", None),  # a non-ASCII digit
        ("maeul/namyangju/7/telemetry/", None),
        ("maeul/namyangju/7/telemetry/x", None),
        ("maeul/namyangju/7/status", None),
        ("maeul/namyangju/7", None),
        ("/maeul/namyangju/7/telemetry", None),
        ("other/namyangju/7/telemetry", None),
        ("maeul/+/+/telemetry", None),
        ("maeul/namyangju/7/telemetry\n", None),
        ("", None),
    ],
)
def test_parse_telemetry_topic(topic: str, expected: tuple[str, int] | None) -> None:
    assert parse_telemetry_topic(topic) == expected


@pytest.mark.parametrize(
    ("tenant", "device_id"),
    [("", 1), ("A", 1), ("a/b", 1), ("a+", 1), ("a" * 41, 1), ("t", 0), ("t", -1), ("t", 2**63), ("t", True)],
)
def test_telemetry_topic_rejects_invalid_parts(tenant: str, device_id: int) -> None:
    with pytest.raises(ValueError):
        telemetry_topic(tenant, device_id)


def test_telemetry_topic_format() -> None:
    assert telemetry_topic("namyangju", 7) == "maeul/namyangju/7/telemetry"


def test_shared_subscription() -> None:
    assert shared_subscription("maeul") == "$share/maeul/maeul/+/+/telemetry"
    for bad in ("", "a/b", "a+", "#", "a#b"):
        with pytest.raises(ValueError):
            shared_subscription(bad)


@given(tenants, device_ids)
def test_round_trip(tenant: str, device_id: int) -> None:
    assert parse_telemetry_topic(telemetry_topic(tenant, device_id)) == (tenant, device_id)


@given(st.text())
def test_garbage_never_crashes(topic: str) -> None:
    result = parse_telemetry_topic(topic)
    assert result is None or telemetry_topic(*result) == topic


@given(st.lists(st.sampled_from(["maeul", "telemetry", "7", "007", "0", "a-b", "", "+", "#", "X"]), max_size=6))
def test_near_miss_topics_parse_only_when_canonical(segments: list[str]) -> None:
    topic = "/".join(segments)
    result = parse_telemetry_topic(topic)
    assert result is None or telemetry_topic(*result) == topic

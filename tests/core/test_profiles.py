"""Device profiles: which readings a profile accepts, and why it refuses the others."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maeul.core.profiles import KeySpec, ProfileSpec, check_reading, validate
from maeul.core.readings import Reading

SPEC = ProfileSpec.from_list(
    [
        KeySpec("temperature", "number", "°C", -40, 80),
        KeySpec("motion", "boolean"),
        KeySpec("status", "string"),
        KeySpec("level", "number", min=0),
    ]
)
OPEN = ProfileSpec.from_list([KeySpec("status", "string")], accept_any_numeric=True)


@pytest.mark.parametrize(
    ("spec", "reading", "problem"),
    [
        (SPEC, Reading("temperature", 1, 21.5), None),
        (SPEC, Reading("temperature", 1, -40.0), None),
        (SPEC, Reading("temperature", 1, 80.0), None),
        (SPEC, Reading("temperature", 1, 80.01), "temperature: 80.01 is above the maximum 80"),
        (SPEC, Reading("temperature", 1, -40.5), "temperature: -40.5 is below the minimum -40"),
        (SPEC, Reading("temperature", 1, "hot"), "temperature: expected a number, got text"),
        (SPEC, Reading("level", 1, 1e300), None),
        (SPEC, Reading("level", 1, -0.001), "level: -0.001 is below the minimum 0"),
        (SPEC, Reading("motion", 1, 1.0), None),
        (SPEC, Reading("motion", 1, 0.0), None),
        (SPEC, Reading("motion", 1, 0.5), "motion: expected true/false or 1/0, got 0.5"),
        (SPEC, Reading("motion", 1, "true"), "motion: expected a boolean, got text"),
        (SPEC, Reading("status", 1, "재실"), None),
        (SPEC, Reading("status", 1, ""), None),
        (SPEC, Reading("status", 1, 1.0), "status: expected text"),
        (SPEC, Reading("humidity", 1, 1.0), "humidity: not a key of this device's profile (allowed: level, motion,"),
        (ProfileSpec({}), Reading("x", 1, 1.0), "x: not a key of this device's profile (allowed: (none))"),
        (OPEN, Reading("anything", 1, 3.0), None),
        (OPEN, Reading("anything", 1, "text"), "anything: undeclared keys must be numeric"),
        (OPEN, Reading("status", 1, "text"), None),
        (OPEN, Reading("status", 1, 3.0), "status: expected text"),
    ],
)
def test_check_reading(spec: ProfileSpec, reading: Reading, problem: str | None) -> None:
    rejection = check_reading(reading, spec)
    if problem is None:
        assert rejection is None
    else:
        assert rejection is not None and rejection.reason.startswith(problem), rejection
        assert (rejection.key, rejection.ts) == (reading.key, reading.ts)


readings = st.builds(
    Reading,
    st.sampled_from(["temperature", "motion", "status", "level", "other"]),
    st.integers(min_value=0, max_value=10**13),
    st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0.0, 1.0]) | st.text(max_size=5),
)


@given(st.lists(readings, max_size=30), st.sampled_from([SPEC, OPEN]))
def test_validate_splits_every_reading_exactly_once(batch: list[Reading], spec: ProfileSpec) -> None:
    accepted, rejected = validate(batch, spec)
    assert accepted == [r for r in batch if check_reading(r, spec) is None]  # order kept
    assert len(accepted) + len(rejected) == len(batch)
    assert [(r.key, r.ts) for r in rejected] == [(r.key, r.ts) for r in batch if check_reading(r, spec) is not None]

"""The daily-rhythm model: realistic ranges, dark quiet nights, lit busy days, reproducible from a seed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from maeul.simulate.rhythms import (
    HUMIDITY_RANGE,
    ILLUMINANCE_RANGE,
    KEYS,
    SEOUL,
    TEMPERATURE_RANGE,
    HomeProfile,
    daylight_factor,
    home_profile,
    local_time,
    reading_at,
)

HOUR_MS = 3_600_000


def ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=SEOUL).timestamp() * 1000)


def week(home: HomeProfile, start: int, hours: range, seed: int = 1, step_min: int = 10) -> list[dict[str, float]]:
    """Readings every ``step_min`` minutes during ``hours`` of each of 7 days from ``start``."""
    rng = random.Random(seed)
    out = []
    for day in range(7):
        for hour in hours:
            for minute in range(0, 60, step_min):
                out.append(
                    reading_at(home, start + day * 24 * HOUR_MS + hour * HOUR_MS + minute * 60_000, step_min * 60, rng)
                )
    return out


def mean(rows: list[dict[str, float]], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows)


SEASONS = [
    pytest.param(ms(2025, 1, 13), id="january"),
    pytest.param(ms(2025, 4, 14), id="april"),
    pytest.param(ms(2025, 7, 14), id="july"),
    pytest.param(ms(2025, 10, 13), id="october"),
]


@pytest.mark.parametrize("seed", [1, 2, 3, 42])
@pytest.mark.parametrize("monday", SEASONS)
def test_nights_are_darker_and_quieter_than_days(seed: int, monday: int) -> None:
    home = home_profile(seed)
    nights = week(home, monday, range(1, 5))
    days = week(home, monday, range(10, 16))
    evenings = week(home, monday, range(19, 21))
    assert mean(nights, "illuminance") < 5.0
    assert mean(nights, "illuminance") * 20 < mean(days, "illuminance")
    assert mean(nights, "motion") < mean(evenings, "motion") / 5


@pytest.mark.parametrize(
    ("seed", "monday", "step_s"),
    [(s, m, step) for s in range(12) for m in (ms(2025, 1, 13), ms(2025, 8, 4)) for step in (60, 600)],
)
def test_values_stay_in_realistic_ranges(seed: int, monday: int, step_s: int) -> None:
    home = home_profile(seed)
    rng = random.Random(seed)
    for k in range(0, 7 * 24 * 3600, step_s * 7):
        values = reading_at(home, monday + k * 1000, step_s, rng)
        assert set(values) == set(KEYS)
        assert TEMPERATURE_RANGE[0] <= values["temperature"] <= TEMPERATURE_RANGE[1]
        assert HUMIDITY_RANGE[0] <= values["humidity"] <= HUMIDITY_RANGE[1]
        assert ILLUMINANCE_RANGE[0] <= values["illuminance"] <= ILLUMINANCE_RANGE[1]
        assert values["motion"] >= 0 and values["motion"] == int(values["motion"])


@pytest.mark.parametrize("seed", [0, 7, 123456])
def test_same_seed_same_output(seed: int) -> None:
    def run(seed: int) -> list[dict[str, float]]:
        home = home_profile(seed)
        rng = random.Random(seed)
        return [reading_at(home, ms(2025, 3, 1) + k * 600_000, 600, rng) for k in range(300)]

    assert home_profile(seed) == home_profile(seed)
    assert run(seed) == run(seed)
    assert run(seed) != run(seed + 1)


@pytest.mark.parametrize(
    ("when", "expect_light"),
    [
        (datetime(2025, 6, 21, 12, 30, tzinfo=SEOUL), True),
        (datetime(2025, 12, 21, 12, 30, tzinfo=SEOUL), True),
        (datetime(2025, 6, 21, 0, 0, tzinfo=SEOUL), False),
        (datetime(2025, 12, 21, 6, 30, tzinfo=SEOUL), False),  # before the winter sunrise (~07:45)
        (datetime(2025, 6, 21, 5, 30, tzinfo=SEOUL), True),  # after the summer sunrise (~05:10)
        (datetime(2025, 12, 21, 18, 0, tzinfo=SEOUL), False),  # after the winter sunset (~17:20)
    ],
)
def test_daylight_follows_the_sun_of_seoul(when: datetime, expect_light: bool) -> None:
    assert (daylight_factor(when) > 0) is expect_light


def test_summer_noon_is_brighter_than_winter_noon() -> None:
    summer = daylight_factor(datetime(2025, 6, 21, 12, 30, tzinfo=SEOUL))
    winter = daylight_factor(datetime(2025, 12, 21, 12, 30, tzinfo=SEOUL))
    assert 0.9 < summer <= 1.0 and 0.3 < winter < summer * 0.7


@pytest.mark.parametrize("interval_s", [10, 60, 600, 3600])
def test_motion_grows_with_the_interval(interval_s: int) -> None:
    home = home_profile(5)
    rng = random.Random(9)
    evening = ms(2025, 2, 3, 19)  # a Monday evening: everybody is at home and busy
    longer = [reading_at(home, evening + k * 20_000, interval_s * 4, rng) for k in range(300)]
    shorter = [reading_at(home, evening + k * 20_000, interval_s, rng) for k in range(300)]
    assert mean(longer, "motion") > mean(shorter, "motion")


def test_weekday_workers_leave_the_home_quiet() -> None:
    homes = [h for h in (home_profile(s) for s in range(40)) if h.works_away]
    assert homes
    rng = random.Random(3)
    for home in homes[:10]:
        wednesday_noon = [reading_at(home, ms(2025, 1, 15, 12) + k * 60_000, 60, rng) for k in range(60)]
        assert mean(wednesday_noon, "motion") < 0.5


def test_local_time_is_seoul() -> None:
    assert local_time(0) == datetime(1970, 1, 1, 9, 0, tzinfo=SEOUL)
    assert local_time(ms(2025, 5, 5, 23, 59)).utcoffset() == timedelta(hours=9)

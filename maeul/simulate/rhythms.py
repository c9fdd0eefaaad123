"""A seeded, pure model of a home's day: indoor temperature, humidity, illuminance and motion by local time."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

# Korea has had no daylight saving time since 1988: Asia/Seoul is UTC+9 all year. A fixed offset keeps this
# module free of I/O (zoneinfo would read the time-zone database from disk).
SEOUL = timezone(timedelta(hours=9), "KST")
LATITUDE = 37.6  # the Seoul capital area
SOLAR_NOON_SHIFT_H = (135.0 - 127.2) / 15.0  # clock time is ~0.5 h ahead of solar time at 127.2°E

TEMPERATURE_RANGE = (5.0, 35.0)
HUMIDITY_RANGE = (10.0, 95.0)
ILLUMINANCE_RANGE = (0.0, 2000.0)
KEYS = ("temperature", "humidity", "illuminance", "motion")


@dataclass(frozen=True, slots=True)
class HomeProfile:
    """The habits and the building of one home (or one room sensor)."""

    seed: int
    wake_hour: float  # local time the first person gets up, 5.0..8.5
    bed_hour: float  # local time the last light goes out, 21.5..25.0 (25.0 = 01:00 the next day)
    setpoint: float  # heating setpoint, °C
    setback: float  # how far the heating lets the room cool while asleep or away, °C
    swing: float  # amplitude of the daily temperature wave, °C
    base_humidity: float  # relative humidity in spring and autumn, %
    window: float  # share of the daylight reaching the sensor, 0.2..1.0
    lamp_lux: float  # illuminance the lamps give when on
    works_away: bool  # nobody at home on weekday working hours
    leave_hour: float
    return_hour: float
    activity: float  # motion events per minute when awake at home

    @classmethod
    def random(cls, rng: random.Random) -> HomeProfile:
        """A plausible home drawn from ``rng``."""
        wake = rng.uniform(5.0, 8.5)
        return cls(
            seed=rng.getrandbits(32),
            wake_hour=wake,
            bed_hour=rng.uniform(max(21.5, wake + 14.0), 25.0),
            setpoint=rng.uniform(19.5, 24.0),
            setback=rng.uniform(1.0, 3.5),
            swing=rng.uniform(0.3, 1.2),
            base_humidity=rng.uniform(35.0, 55.0),
            window=rng.uniform(0.2, 1.0),
            lamp_lux=rng.uniform(150.0, 450.0),
            works_away=rng.random() < 0.7,
            leave_hour=rng.uniform(max(wake + 0.5, 7.0), 9.5),
            return_hour=rng.uniform(17.0, 20.0),
            activity=rng.uniform(1.5, 4.0),
        )


def home_profile(seed: int) -> HomeProfile:
    """The home of a seed: the same seed always gives the same home."""
    return HomeProfile.random(random.Random(seed))


@dataclass(frozen=True, slots=True)
class _Day:
    """What varies from one day to the next in a home, fixed per (home, date)."""

    wake: float
    bed: float
    away_from: float | None
    away_to: float | None
    clouds: float  # share of the clear-sky daylight that gets through, 0.25..1.0


def _day(home: HomeProfile, local: datetime) -> _Day:
    rng = random.Random(home.seed * 400_009 + local.date().toordinal())
    weekday = local.weekday() < 5
    away_from: float | None = None
    away_to: float | None = None
    if weekday and home.works_away and rng.random() < 0.92:
        away_from = home.leave_hour + rng.uniform(-0.25, 0.25)
        away_to = home.return_hour + rng.uniform(-0.75, 0.75)
    elif rng.random() < 0.5:  # an outing: shopping, family, hiking
        away_from = rng.uniform(10.0, 15.0)
        away_to = away_from + rng.uniform(1.5, 5.0)
    shift = 0.0 if weekday else rng.uniform(0.5, 1.5)  # sleeping in at the weekend
    return _Day(
        wake=home.wake_hour + shift + rng.uniform(-0.3, 0.3),
        bed=home.bed_hour + rng.uniform(-0.5, 0.5),
        away_from=away_from,
        away_to=away_to,
        clouds=rng.choice((1.0, 0.9, 0.75, 0.5, 0.25)),
    )


def _in_window(hour: float, start: float, end: float, ramp: float) -> float:
    """How much ``hour`` lies inside [start, end) with ramps of ``ramp`` hours (0..1; windows may pass midnight)."""
    if ramp <= 0:
        return 1.0 if (hour - start) % 24.0 < (end - start) % 24.0 else 0.0
    length = (end - start) % 24.0
    into = (hour - start) % 24.0
    if into > length:  # outside: distance to the nearest edge
        outside = min(into - length, 24.0 - into)
        return max(0.0, 0.5 - outside / (2 * ramp))
    inside = min(into, length - into)
    return min(1.0, 0.5 + inside / (2 * ramp))


def daylight_factor(local: datetime) -> float:
    """Clear-sky outdoor daylight relative to a summer noon (0..1), from the sun's elevation in Seoul."""
    day_of_year = local.timetuple().tm_yday
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + day_of_year) / 365.0)
    solar_hour = local.hour + local.minute / 60.0 + local.second / 3600.0 - SOLAR_NOON_SHIFT_H
    hour_angle = math.radians(15.0 * (solar_hour - 12.0))
    lat = math.radians(LATITUDE)
    sin_elevation = math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(declination) * math.cos(hour_angle)
    return float(max(0.0, sin_elevation) ** 0.8)


def _season(local: datetime) -> float:
    """+1 in late July (hottest), -1 in late January (coldest)."""
    return math.cos(2 * math.pi * (local.timetuple().tm_yday - 205) / 365.0)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(bounds[1], max(bounds[0], value))


def local_time(ts_ms: int) -> datetime:
    """Asia/Seoul wall time of a Unix time in milliseconds."""
    return datetime.fromtimestamp(ts_ms / 1000.0, UTC).astimezone(SEOUL)


def reading_at(home: HomeProfile, ts_ms: int, interval_s: float, rng: random.Random) -> dict[str, float]:
    """The four readings of ``home`` at ``ts_ms``; motion counts events over the last ``interval_s`` seconds."""
    local = local_time(ts_ms)
    hour = local.hour + local.minute / 60.0 + local.second / 3600.0
    day = _day(home, local)
    awake = _in_window(hour, day.wake, day.bed, 0.25)
    away = 0.0
    cooling_away = 0.0
    if day.away_from is not None and day.away_to is not None:
        away = _in_window(hour, day.away_from, day.away_to, 0.25)
        if day.away_to - day.away_from > 1.5:  # the room cools after 45 min; heating resumes 30 min before return
            cooling_away = _in_window(hour, day.away_from + 0.75, day.away_to - 0.5, 1.0)
    present_awake = awake * (1.0 - away)
    season = _season(local)

    # Temperature: setpoint, a wave peaking mid-afternoon, warmer summers, and heating setbacks while asleep
    # or away (the room cools slowly: wide ramps), plus the noise of a cheap sensor.
    heating = min(1.0, max(0.0, 0.3 - season))  # the heating season, strongest in winter
    asleep_cooling = 1.0 - _in_window(hour, day.wake, day.bed, 1.5)
    setback = home.setback * heating * max(asleep_cooling, 0.8 * cooling_away)
    wave = home.swing * math.cos(2 * math.pi * (hour - 15.0) / 24.0)
    temperature = home.setpoint + 4.0 * max(0.0, season) + wave - setback + rng.gauss(0.0, 0.08)

    # Humidity: humid summers, dry heated winters, showers in the morning and cooking in the evening.
    humidity = home.base_humidity + 18.0 * max(0.0, season) - 12.0 * max(0.0, -season)
    humidity -= 1.5 * (temperature - home.setpoint)
    shower = _in_window(hour, day.wake, day.wake + 1.0, 0.3)
    cooking = _in_window(hour, 18.0, 20.0, 0.5)
    humidity += (9.0 * shower + 5.0 * cooking) * (1.0 - away) + rng.gauss(0.0, 0.6)

    # Illuminance: daylight through the window (with the day's clouds), lamps when someone is up after dark.
    daylight = 1500.0 * home.window * day.clouds * daylight_factor(local)
    lamps = home.lamp_lux * present_awake * (1.0 if daylight < 150.0 else 0.25)
    street = 1.5  # light leaking in from outside at night
    illuminance = daylight + lamps + street + rng.gauss(0.0, 0.02 * (daylight + lamps) + 0.3)

    # Motion: few events while asleep, many in the morning and evening rush, none when everybody is out.
    rush = max(_in_window(hour, day.wake, day.wake + 1.5, 0.3), _in_window(hour, 18.0, 21.0, 0.5))
    per_minute = 0.03 * (1.0 - awake) + home.activity * present_awake * (1.0 + 0.8 * rush)
    motion = _poisson(rng, per_minute * max(0.0, interval_s) / 60.0)

    return {
        "temperature": round(_clamp(temperature, TEMPERATURE_RANGE), 2),
        "humidity": round(_clamp(humidity, HUMIDITY_RANGE), 1),
        "illuminance": round(_clamp(illuminance, ILLUMINANCE_RANGE), 1),
        "motion": float(motion),
    }

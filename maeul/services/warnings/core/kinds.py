"""Station kinds: the device profile the service creates for each, the key that drives the stage, its unit,
default thresholds (관심, 주의, 경계, 심각), the CAP category and the event names in Korean and English.

The defaults follow the usual Korean practice (e.g. PM2.5 나쁨 from 36 µg/m³, 매우나쁨 from 76; heat by the
apparent temperature 31/33/35/38 °C); every station can override them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from maeul.services.warnings.core.stages import CAUTION, INTEREST, StageConfig


@dataclass(frozen=True, slots=True)
class StationKind:
    name: str
    profile: str  # the device profile's name in each tenant
    keys: tuple[dict[str, Any], ...]  # the profile's keys (maeul.core.profiles KeySpec fields)
    stage_key: str
    unit: str
    config: StageConfig
    category: str  # CAP category
    event_ko: str
    event_en: str


def _num(key: str, unit: str, low: float, high: float) -> dict[str, Any]:
    return {"key": key, "type": "number", "unit": unit, "min": low, "max": high}


KINDS: dict[str, StationKind] = {
    kind.name: kind
    for kind in (
        StationKind(
            "river_level",
            "warnings-river-level",
            (_num("water_level", "m", -5, 30),),
            "water_level",
            "m",
            StageConfig((2.5, 3.5, 4.5, 5.5), band=0.2, rate_rules=((0.5, INTEREST), (1.0, CAUTION))),
            "Met",
            "하천 홍수",
            "River flood",
        ),
        StationKind(
            "underpass_level",
            "warnings-underpass-level",
            (_num("water_depth", "cm", 0, 500),),
            "water_depth",
            "cm",
            StageConfig((3, 10, 15, 30), band=2, hold_s=600, rate_rules=((10, INTEREST), (30, CAUTION))),
            "Transport",
            "지하차도 침수",
            "Underpass flooding",
        ),
        StationKind(
            "rainfall",
            "warnings-rainfall",
            (_num("rain_1h", "mm", 0, 300),),
            "rain_1h",
            "mm",
            StageConfig((10, 20, 30, 50), band=3),
            "Met",
            "호우",
            "Heavy rain",
        ),
        StationKind(
            "slope",
            "warnings-slope",
            (_num("tilt_deg", "°", -90, 90), _num("soil_moisture", "%", 0, 100)),
            "tilt_deg",
            "°",
            StageConfig((0.5, 1.0, 2.0, 3.0), band=0.1, rate_rules=((0.5, CAUTION),)),
            "Geo",
            "산사태",
            "Landslide",
        ),
        StationKind(
            "air_quality",
            "warnings-air-quality",
            (
                _num("pm25", "µg/m³", 0, 1000),
                _num("pm10", "µg/m³", 0, 2000),
                _num("o3", "ppm", 0, 1),
                _num("no2", "ppm", 0, 2),
                _num("co", "ppm", 0, 100),
            ),
            "pm25",
            "µg/m³",
            StageConfig((36, 76, 150, 300), band=5, hold_s=1800),
            "Env",
            "미세먼지",
            "Fine dust (PM2.5)",
        ),
        StationKind(
            "heat",
            "warnings-heat",
            (_num("temperature", "°C", -50, 60), _num("humidity", "%", 0, 100), _num("heat_index", "°C", -60, 80)),
            "heat_index",
            "°C",
            StageConfig((31, 33, 35, 38), band=1, hold_s=1800),
            "Met",
            "폭염",
            "Heat wave",
        ),
        StationKind(
            "snow",
            "warnings-snow",
            (_num("snow_depth", "cm", 0, 500),),
            "snow_depth",
            "cm",
            StageConfig((3, 5, 10, 20), band=1, hold_s=1800),
            "Met",
            "대설",
            "Heavy snow",
        ),
    )
}


def heat_index(temperature_c: float, humidity_pct: float) -> float:
    """The heat index (apparent temperature) in °C: the Rothfusz regression of the US National Weather Service,
    with its low-humidity and low-temperature adjustments; below 26.7 °C (80 °F) Steadman's simple form."""
    t = temperature_c * 9 / 5 + 32
    rh = humidity_pct
    simple = 0.5 * (t + 61.0 + (t - 68.0) * 1.2 + rh * 0.094)
    if (simple + t) / 2 < 80:
        return round((simple - 32) * 5 / 9, 2)
    hi = (
        -42.379
        + 2.04901523 * t
        + 10.14333127 * rh
        - 0.22475541 * t * rh
        - 0.00683783 * t * t
        - 0.05481717 * rh * rh
        + 0.00122874 * t * t * rh
        + 0.00085282 * t * rh * rh
        - 0.00000199 * t * t * rh * rh
    )
    if rh < 13 and 80 <= t <= 112:
        hi -= ((13 - rh) / 4) * math.sqrt((17 - abs(t - 95)) / 17)
    elif rh > 85 and 80 <= t <= 87:
        hi += ((rh - 85) / 10) * ((87 - t) / 5)
    return round((hi - 32) * 5 / 9, 2)


def stage_values(kind: StationKind, instant: dict[str, float]) -> float | None:
    """The value that drives the stage from one instant's readings (the heat index is derived when missing)."""
    value = instant.get(kind.stage_key)
    if value is None and kind.stage_key == "heat_index":
        temperature, humidity = instant.get("temperature"), instant.get("humidity")
        if temperature is not None and humidity is not None:
            return heat_index(temperature, humidity)
    return value

"""The kinds of devices a home may have and the profile (keys) the service creates for each kind."""

from __future__ import annotations

from typing import Any

BATTERY: dict[str, Any] = {"key": "battery", "type": "number", "unit": "%", "min": 0, "max": 100}


def _binary(key: str) -> dict[str, Any]:
    return {"key": key, "type": "number", "min": 0, "max": 1}


HUB_ROOMS = ("living", "kitchen", "bathroom", "bedroom")
HUB_KEYS: list[dict[str, Any]] = [
    *(_binary(f"motion_{room}") for room in HUB_ROOMS),
    *(_binary(key) for key in ("pressure_bed", "pressure_chair", "door_main", "button", "smoke", "gas", "away_mode")),
    _binary("heat_wave"),  # sent by the service (a heat warning for the home's district), not by a sensor
    {"key": "temperature", "type": "number", "unit": "°C", "min": -40, "max": 85},
    {"key": "humidity", "type": "number", "unit": "%", "min": 0, "max": 100},
    _binary("heartbeat"),
    *({**BATTERY, "key": f"battery_{name}"} for name in ("smoke", "pillbox")),
    _binary("pillbox"),
    {"key": "systolic", "type": "number", "unit": "mmHg", "min": 40, "max": 300},
    {"key": "diastolic", "type": "number", "unit": "mmHg", "min": 20, "max": 200},
    {"key": "glucose", "type": "number", "unit": "mg/dL", "min": 10, "max": 1000},
]  # and ``battery`` (the hub's own), as every kind

KINDS: dict[str, tuple[str, str, list[dict[str, Any]]]] = {
    # kind: (Korean label, English label, keys)
    "motion": ("동작 감지", "motion", [{"key": "motion", "type": "number", "unit": "events", "min": 0, "max": 10_000}]),
    "door": ("출입문", "main door", [_binary("door")]),
    "temperature": (
        "온도",
        "temperature",
        [{"key": "temperature", "type": "number", "unit": "°C", "min": -40, "max": 85}],
    ),
    "humidity": ("습도", "humidity", [{"key": "humidity", "type": "number", "unit": "%", "min": 0, "max": 100}]),
    "illuminance": (
        "조도",
        "illuminance",
        [{"key": "illuminance", "type": "number", "unit": "lx", "min": 0, "max": 100_000}],
    ),
    "smoke": ("화재(연기)", "smoke", [_binary("smoke")]),
    "gas": ("가스", "gas", [_binary("gas")]),
    "button": ("응급 호출", "emergency button", [_binary("button")]),
    "pressure": ("침대·의자 압력", "bed or chair pressure", [_binary("pressure")]),
    "vitals": (
        "혈압·혈당",
        "blood pressure and glucose",
        [
            {"key": "systolic", "type": "number", "unit": "mmHg", "min": 40, "max": 300},
            {"key": "diastolic", "type": "number", "unit": "mmHg", "min": 20, "max": 200},
            {"key": "glucose", "type": "number", "unit": "mg/dL", "min": 10, "max": 1000},
        ],
    ),
    "pillbox": ("스마트 약상자", "smart pill box", [_binary("pillbox_open")]),
    # One device for the whole home whose keys name its sensors, as the detection reads them (``<kind>_<place>``).
    "hub": ("돌봄 허브", "care hub", [*HUB_KEYS]),
}
REQUIRED = ("motion", "door", "temperature", "humidity", "illuminance", "smoke", "gas", "button")
# Immediate alarms: a rule on the kind's profile raises them on the first reading (type, key, Korean reason).
IMMEDIATE: dict[str, tuple[str, str, str, str]] = {
    "button": ("care_emergency_button", "button", "응급 호출 버튼이 눌렸습니다", "the emergency button was pressed"),
    "smoke": ("care_smoke", "smoke", "연기가 감지되었습니다", "smoke detected"),
    "gas": ("care_gas", "gas", "가스 누출이 감지되었습니다", "gas leak detected"),
}

# Rules of the detection (maeul/services/care/detection) per kind: alarm type, severity, condition. Rules of one
# alarm type share its one alarm: the rule of a higher level raises it again (a higher severity, or the same one
# with the new level in its description), so the home's status, its response and the family follow the level.
DETECTION_RULES: dict[str, tuple[tuple[str, str, dict[str, Any]], ...]] = {
    "pillbox": (("care_medication", "minor", {"kind": "care.medication"}),),
    "vitals": (
        ("care_vitals", "minor", {"kind": "care.vitals"}),
        ("care_vitals", "major", {"kind": "care.vitals", "level": "warning"}),  # a critical reading
    ),
    "hub": (
        ("care_inactivity", "major", {"kind": "care.inactivity"}),
        ("care_inactivity", "major", {"kind": "care.inactivity", "level": "warning"}),
        ("care_inactivity", "critical", {"kind": "care.inactivity", "level": "danger"}),
        ("care_emergency", "critical", {"kind": "care.emergency"}),
        ("care_environment", "minor", {"kind": "care.environment"}),
        ("care_environment", "major", {"kind": "care.environment", "level": "warning"}),  # heat-wave days
        ("care_device", "minor", {"kind": "care.device"}),
        ("care_medication", "minor", {"kind": "care.medication"}),
        ("care_vitals", "minor", {"kind": "care.vitals"}),
        ("care_vitals", "major", {"kind": "care.vitals", "level": "warning"}),
    ),
}


def profile_name(kind: str) -> str:
    return f"care-{kind}"


def profile_keys(kind: str) -> list[dict[str, Any]]:
    """The keys of a kind's profile (every battery-powered kind also reports its battery)."""
    keys = [dict(k) for k in KINDS[kind][2]]
    return [*keys, dict(BATTERY)]

"""Request and response bodies of the care API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from maeul.adapters.http.schemas import DbId, Patch, Strict

DeviceKind = Literal[
    "motion",
    "door",
    "temperature",
    "humidity",
    "illuminance",
    "smoke",
    "gas",
    "button",
    "pressure",
    "vitals",
    "pillbox",
    "hub",
]
Code = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", examples=["H001"])
DistrictCode = Field(min_length=1, max_length=20, examples=["3113025"])
Text200 = Field(default=None, max_length=200)
Tiers = Field(default=None, min_length=3, max_length=3, description="hours: attention, warning, danger")


class HouseholdCreate(Strict):
    code: str = Code
    district_code: str = DistrictCode
    address: str | None = Field(default=None, max_length=500, description="encrypted at rest")
    device_ids: list[DbId] = Field(default_factory=list, max_length=100)
    tiers_h: list[float] | None = Tiers


class HouseholdPatch(Patch):
    NOT_NULL = ("code", "district_code", "device_ids", "active")
    code: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    district_code: str | None = Field(default=None, min_length=1, max_length=20)
    address: str | None = Field(default=None, max_length=500)
    device_ids: list[DbId] | None = Field(default=None, max_length=100)
    tiers_h: list[float] | None = Tiers
    active: bool | None = None


class Household(BaseModel):
    id: int
    code: str
    district_code: str
    entity_id: int | None
    device_ids: list[int]
    away_until: int | None
    tiers_h: list[float] | None
    active: bool
    status: str | None
    reason_ko: str | None
    reason_en: str | None
    since: int | None
    alarm_id: int | None
    created_at: int
    updated_at: int


class AwayRequest(Strict):
    until: int | None = Field(ge=0, description="epoch ms; null ends away mode")


class DevicesRequest(Strict):
    kinds: list[DeviceKind] = Field(min_length=1, max_length=20)


class CreatedDevice(BaseModel):
    id: int
    name: str
    kind: str
    profile_id: int
    token: str
    topic: str


class ResidentIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    conditions: list[str] = Field(default_factory=list, max_length=30)
    consent: dict[str, Any] | None = Field(default=None, description="e.g. {given: true, date: 2026-03-01, scope: ...}")


class ResidentPatch(Patch):
    NOT_NULL = ("name",)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    conditions: list[str] | None = Field(default=None, max_length=30)
    consent: dict[str, Any] | None = None


class Preferences(Strict):
    events: list[Literal["danger", "emergency", "closed"]] = Field(default=["danger", "emergency", "closed"])
    channel: Literal["sms", "email", "none"] = "sms"
    language: Literal["ko", "en", "both"] = "ko"
    level: Literal["attention", "warning", "danger"] | None = Field(
        default=None,
        description="told of every alert of the home at this level or above, once per level it reaches "
        "(null: danger if events lists danger, else none)",
    )


class FamilyIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    relation: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^\+?[0-9 -]{6,29}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    preferences: Preferences = Field(default_factory=Preferences)


class FamilyPatch(Patch):
    NOT_NULL = ("name", "preferences")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    relation: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^\+?[0-9 -]{6,29}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    preferences: Preferences | None = None


class Created(BaseModel):
    id: int
    household_id: int


class Personal(BaseModel):
    household_id: int
    address: str | None
    residents: list[dict[str, Any]]
    family: list[dict[str, Any]]


class Assignment(Strict):
    district_codes: list[str] = Field(max_length=100)


class StepRequest(Strict):
    step: Literal["phone_check", "visit", "emergency"]
    outcome: str = Field(min_length=1, max_length=30)
    note: str | None = Field(default=None, max_length=2000, description="encrypted at rest")


class CloseRequest(Strict):
    resolution: Literal["confirmed", "false_alarm"]
    false_reason: str | None = Field(default=None, max_length=30)
    note: str | None = Field(default=None, max_length=2000)


class OpenRequest(Strict):
    alarm_id: DbId


class SettingsBody(Strict):
    emergency_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    tiers_h: list[float] = Field(default=[8.0, 12.0, 24.0], min_length=3, max_length=3)


class RolloutBody(Strict):
    phase: Literal["planned", "pilot", "evaluation", "expansion", "maintenance"]
    planned_homes: int = Field(ge=0, le=100_000)
    start_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    note: str | None = Field(default=None, max_length=1000)


HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class MedicationSettings(Strict):
    """The pill box routine; fields left out keep the defaults (see docs/care-service.md)."""

    times: list[str] | None = Field(
        default=None, max_length=8, description="dose times HH:MM set by the caseworker; empty: learned"
    )
    window_s: int | None = Field(default=None, ge=60, le=43_200, description="a dose not taken this long after")
    early_s: int | None = Field(default=None, ge=0, le=43_200)
    hold_s: int | None = Field(default=None, ge=60, le=86_400)
    history_days: int | None = Field(default=None, ge=1, le=60)
    min_days: int | None = Field(default=None, ge=1, le=60)
    min_share: float | None = Field(default=None, gt=0, le=1)
    cluster_gap_s: int | None = Field(default=None, ge=60, le=43_200)


class VitalsSettings(Strict):
    """The resident's ranges (mmHg, mg/dL); fields left out keep the defaults."""

    systolic_low: float | None = Field(default=None, ge=0, le=300)
    systolic_high: float | None = Field(default=None, ge=0, le=300)
    diastolic_low: float | None = Field(default=None, ge=0, le=200)
    diastolic_high: float | None = Field(default=None, ge=0, le=200)
    glucose_low: float | None = Field(default=None, ge=0, le=1000)
    glucose_high: float | None = Field(default=None, ge=0, le=1000)
    systolic_critical_low: float | None = Field(default=None, ge=0, le=300)
    systolic_critical_high: float | None = Field(default=None, ge=0, le=300)
    diastolic_critical_low: float | None = Field(default=None, ge=0, le=200)
    diastolic_critical_high: float | None = Field(default=None, ge=0, le=200)
    glucose_critical_low: float | None = Field(default=None, ge=0, le=1000)
    glucose_critical_high: float | None = Field(default=None, ge=0, le=1000)
    confirm_s: int | None = Field(default=None, ge=60, le=86_400)
    quiet_from: str | None = Field(default=None, pattern=HHMM)
    quiet_to: str | None = Field(default=None, pattern=HHMM)
    expire_s: int | None = Field(default=None, ge=60, le=7 * 86_400)
    critical_level: Literal["attention", "warning", "danger"] | None = None


class RoutinePatch(Strict):
    """Change one or both; null resets to the defaults (learned dose times, default ranges)."""

    medication: MedicationSettings | None = None
    vitals: VitalsSettings | None = None


class Routine(BaseModel):
    household_id: int
    medication: dict[str, Any] | None = Field(description="as set (null: defaults)")
    vitals: dict[str, Any] | None = Field(description="as set (null: defaults)")
    effective: dict[str, dict[str, Any]] = Field(description="what the detection uses, defaults filled in")

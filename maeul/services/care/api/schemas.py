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

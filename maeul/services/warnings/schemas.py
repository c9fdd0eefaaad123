"""Request bodies of the warnings API (Pydantic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StationIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    kind: Literal["river_level", "underpass_level", "rainfall", "slope", "air_quality", "heat", "snow"]
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    district_code: str | None = Field(default=None, max_length=20, description="where the station stands")
    district_codes: list[str] | None = Field(
        default=None, max_length=100, description="the warning area (default: the station's own district)"
    )
    polygon: dict[str, Any] | None = Field(default=None, description="a drawn GeoJSON Polygon as (part of) the area")
    config: dict[str, Any] | None = Field(default=None, description="overrides of the kind's stage configuration")


class StationPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    district_codes: list[str] | None = Field(default=None, max_length=100)
    polygon: dict[str, Any] | None = None
    config: dict[str, Any] | None = None


CATEGORY = Literal[
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"
]


class ManualAlertIn(Strict):
    event_ko: str = Field(min_length=1, max_length=200)
    event_en: str = Field(min_length=1, max_length=200)
    category: CATEGORY = "Safety"
    stage: int = Field(ge=1, le=4)
    status: Literal["Actual", "Exercise", "Test"] = "Actual"
    district_codes: list[str] = Field(default_factory=list, max_length=100)
    polygon: dict[str, Any] | None = None
    note_ko: str | None = Field(default=None, max_length=2000)
    note_en: str | None = Field(default=None, max_length=2000)


class StageChangeIn(Strict):
    stage: int = Field(ge=1, le=4)
    note_ko: str | None = Field(default=None, max_length=2000)
    note_en: str | None = Field(default=None, max_length=2000)


class CancelIn(Strict):
    note_ko: str | None = Field(default=None, max_length=2000)
    note_en: str | None = Field(default=None, max_length=2000)


class PlaceIn(Strict):
    district_code: str | None = Field(default=None, max_length=20)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    radius_m: float | None = Field(default=None, gt=0, le=50_000)


class SubscribeIn(Strict):
    tenant: str = Field(min_length=1, max_length=40)
    channel: Literal["email", "sms", "webpush"]
    address: str = Field(min_length=3, max_length=4000, description="e-mail, phone number or PushSubscription JSON")
    language: Literal["ko", "en", "both"] = "ko"
    min_stage: int = Field(default=2, ge=1, le=4, description="told from this stage on (2 = 주의 caution)")
    places: list[PlaceIn] = Field(min_length=1, max_length=10)


class TokenIn(Strict):
    tenant: str = Field(min_length=1, max_length=40)
    token: str = Field(min_length=8, max_length=200)

"""Response models of the complaints analytics API (they document the answers in OpenAPI)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class HotspotOut(BaseModel):
    category: str = Field(description="service_code")
    category_name: str
    category_name_en: str
    lat: float
    lon: float
    radius_m: float = Field(description="distance from the centre to the farthest member")
    count: int
    first_at: int = Field(description="epoch ms of the first member")
    last_at: int
    district_code: str | None
    district_name: str | None
    request_ids: list[int]


class TrendAlertOut(BaseModel):
    district_code: str
    district_name: str
    category: str
    this_week: int = Field(description="requests in the 7 days before now")
    baseline_per_week: float = Field(description="weekly average of the baseline weeks")
    ratio: float | None = Field(description="this_week / baseline_per_week; null when the baseline is zero")
    p_value: float = Field(description="one-sided exact binomial test")
    message_ko: str
    message_en: str


class HotspotReport(BaseModel):
    now: int = Field(description="epoch ms the report was computed at")
    days: int
    baseline_weeks: int
    located_requests: int = Field(description="requests with a location in the analysed period")
    hotspots: list[HotspotOut]
    alerts: list[TrendAlertOut]


class DistrictMatchOut(BaseModel):
    district_code: str
    district_name: str
    district_name_en: str
    similarity: float = Field(description="cosine similarity of the category shares, 0..1")
    total: int = Field(description="that district's requests in the period")
    category_share: float | None
    message_ko: str
    message_en: str


class SimilarDistricts(BaseModel):
    district_code: str
    district_name: str
    category: str | None
    days: int
    districts_compared: int
    matches: list[DistrictMatchOut]


class HandlingOut(BaseModel):
    key: str = Field(description="department name, category code, or 'all'")
    requests: int
    finished: int
    median_hours: float | None
    p90_hours: float | None
    overdue: int
    overdue_share: float | None
    transfers: int


class StepOut(BaseModel):
    status: str
    visits: int
    median_hours: float
    p90_hours: float
    total_hours: float
    share: float = Field(description="share of all waiting time")


class ProcessOut(BaseModel):
    now: int
    days: int
    overall: HandlingOut | None
    by_department: list[HandlingOut]
    by_category: list[HandlingOut]
    steps: list[StepOut]
    bottlenecks: list[str]
    department_bottlenecks: dict[str, str]

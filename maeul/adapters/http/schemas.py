"""Request and response bodies of the REST API (Pydantic), with examples for the OpenAPI docs."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maeul.core.roles import Role

T = TypeVar("T")

INT32_MAX = 2_147_483_647
# Ids are 32-bit integer columns: a larger number is refused here instead of failing in the database.
DbId = Annotated[int, Field(ge=1, le=INT32_MAX)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Patch(Strict):
    """A partial update: a field left out keeps its value; ``NOT_NULL`` fields may not be set to null."""

    NOT_NULL: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Patch:
        nulls = [name for name in self.NOT_NULL if name in self.model_fields_set and getattr(self, name) is None]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave the field out to keep its value")
        return self


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[Any] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class LoginRequest(Strict):
    tenant: str = Field(min_length=1, max_length=40, examples=["namyangju"])
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: int | None = None


class Me(BaseModel):
    id: int
    tenant_id: str
    username: str
    role: Role


class Tenant(BaseModel):
    id: str
    name: str
    name_en: str | None
    timezone: str
    retention_days: int
    created_at: int


class TenantUpdate(Patch):
    NOT_NULL = ("name", "retention_days")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    retention_days: int | None = Field(default=None, ge=1, le=36500)


class DepartmentCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


class Department(BaseModel):
    id: int
    tenant_id: str
    name: str


class UserCreate(Strict):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@\-]+$")
    role: Role
    password: str | None = Field(default=None, min_length=8, max_length=1000)
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    department_id: DbId | None = None


class UserUpdate(Patch):
    NOT_NULL = ("role", "active")
    role: Role | None = None
    password: str | None = Field(default=None, min_length=8, max_length=1000)
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    department_id: DbId | None = None
    active: bool | None = None


class User(BaseModel):
    id: int
    tenant_id: str
    username: str
    display_name: str | None
    email: str | None
    role: Role
    department_id: int | None
    active: bool
    created_at: int


class ApiKeyCreate(Strict):
    name: str = Field(min_length=1, max_length=200, examples=["SCADA integration"])
    user_id: DbId | None = Field(default=None, description="Whose rights the key carries; default: the caller.")


class ApiKey(BaseModel):
    id: int
    user_id: int
    name: str | None
    prefix: str
    created_at: int
    revoked_at: int | None


class ApiKeyIssued(ApiKey):
    token: str = Field(description="Shown once; store it safely.")


class KeySpecModel(Strict):
    key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    type: Literal["number", "boolean", "string"] = "number"
    unit: str | None = Field(default=None, max_length=32)
    min: float | None = None
    max: float | None = None

    @field_validator("max")
    @classmethod
    def _range(cls, value: float | None, info: Any) -> float | None:
        low = info.data.get("min")
        if value is not None and low is not None and value < low:
            raise ValueError("max must not be below min")
        return value


def _unique_keys(keys: list[KeySpecModel]) -> list[KeySpecModel]:
    names = [k.key for k in keys]
    if len(set(names)) != len(names):
        raise ValueError("each key may appear only once")
    return keys


class ProfileCreate(Strict):
    name: str = Field(min_length=1, max_length=100, examples=["care-room-sensor"])
    description: str | None = Field(default=None, max_length=2000)
    keys: list[KeySpecModel] = Field(default_factory=list, max_length=500)
    accept_any_numeric: bool = False
    retention_days: int | None = Field(default=None, ge=1, le=36500)

    @field_validator("keys")
    @classmethod
    def _unique(cls, keys: list[KeySpecModel]) -> list[KeySpecModel]:
        return _unique_keys(keys)


class ProfileUpdate(Patch):
    NOT_NULL = ("name", "accept_any_numeric")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    keys: list[KeySpecModel] | None = Field(default=None, max_length=500)
    accept_any_numeric: bool | None = None
    retention_days: int | None = Field(default=None, ge=1, le=36500)

    @field_validator("keys")
    @classmethod
    def _unique(cls, keys: list[KeySpecModel] | None) -> list[KeySpecModel] | None:
        return None if keys is None else _unique_keys(keys)


class Profile(BaseModel):
    id: int
    tenant_id: str
    name: str
    description: str | None
    keys: list[dict[str, Any]]
    accept_any_numeric: bool
    retention_days: int | None
    created_at: int


class DeviceCreate(Strict):
    name: str = Field(min_length=1, max_length=200, examples=["hwado-home-07-motion"])
    profile: str | DbId | None = Field(default=None, description="Profile name or id; default: generic.")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    district_code: str | None = Field(default=None, max_length=20, examples=["3113025"])
    attributes: dict[str, Any] = Field(default_factory=dict)
    gateway_id: DbId | None = None


class DeviceUpdate(Patch):
    NOT_NULL = ("name", "attributes")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    profile: str | DbId | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    district_code: str | None = Field(default=None, max_length=20)
    attributes: dict[str, Any] | None = None
    gateway_id: DbId | None = None


class Device(BaseModel):
    id: int
    tenant_id: str
    name: str
    profile_id: int
    lon: float | None
    lat: float | None
    district_code: str | None
    attributes: dict[str, Any]
    gateway_id: int | None
    token_prefix: str
    created_at: int
    updated_at: int


class DeviceCredentials(BaseModel):
    id: int
    token: str = Field(description="The device's secret: HTTP bearer token and MQTT password. Shown once.")
    topic: str
    mqtt_username: str


class DeviceCreated(Device):
    token: str
    topic: str
    mqtt_username: str


class ImportRowError(BaseModel):
    line: int
    message: str


class ImportResult(BaseModel):
    created: list[DeviceCredentials]


class IngestResponse(BaseModel):
    accepted: int = Field(description="Readings accepted and stored (a repeat of a stored reading is skipped).")
    rejected: list[str] = Field(default_factory=list, description="Why each rejected reading was refused.")


class DeadLetterModel(BaseModel):
    id: int
    tenant_id: str | None
    device_id: int | None
    source: str
    topic: str | None
    payload: str | None
    reason: str
    received_at: int


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_offset: int | None = None

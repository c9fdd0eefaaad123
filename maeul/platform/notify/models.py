"""Validated shapes of contacts, escalation policies and channel settings (API bodies and stored JSON)."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maeul.adapters.notify._config import check_http_url
from maeul.adapters.notify.email import parse_address
from maeul.adapters.notify.registry import NotifyConfigError, validate_config
from maeul.adapters.notify.sms import normalize_phone
from maeul.adapters.notify.webpush import PushSubscription
from maeul.core.alarms import Severity
from maeul.core.notify.quiet import parse_hhmm
from maeul.core.roles import Role

ChannelName = Literal["email", "webhook", "webpush", "sms"]
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]
MAX_STEPS = 10
MAX_DELAY_S = 7 * 24 * 3600


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _unique(values: list[Any] | None, what: str) -> None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError(f"{what} lists an entry twice")


def check_address(channel: str, value: str | dict[str, Any]) -> str:
    """The address as stored (a Web Push subscription as JSON text); ValueError when it cannot be used."""
    if channel == "webpush":
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
        PushSubscription.parse(text)
        return text
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise ValueError(f"{channel}: a non-empty text of at most 2000 characters is expected")
    if channel == "email":
        parse_address(value)
    elif channel == "sms":
        normalize_phone(value, "national", "82")
    else:
        check_http_url(value)
    return value.strip()


class StepSpec(_Strict):
    """One step: after ``delay_s`` (from when the alarm was raised) notify these recipients."""

    delay_s: int = Field(default=0, ge=0, le=MAX_DELAY_S)
    assignee: bool = Field(default=False, description="The user the alarm is assigned to.")
    roles: list[Role] = Field(default_factory=list, description="Every active user with one of these roles.")
    users: list[DbId] = Field(default_factory=list)
    contacts: list[DbId] = Field(default_factory=list)
    channels: list[ChannelName] | None = Field(
        default=None, min_length=1, description="Instead of each recipient's preferred channels."
    )
    all_channels: bool = Field(default=False, description="Send on every usable channel, not only the first.")

    @model_validator(mode="after")
    def _recipients(self) -> StepSpec:
        if not (self.assignee or self.roles or self.users or self.contacts):
            raise ValueError("a step needs at least one recipient (assignee, roles, users or contacts)")
        _unique(self.roles, "roles")
        _unique(self.users, "users")
        _unique(self.contacts, "contacts")
        _unique(self.channels, "channels")
        return self


class PolicySpec(_Strict):
    """An escalation policy: for alarms of ``alarm_type`` (or ``*``) from ``min_severity`` on, run the steps."""

    name: str = Field(min_length=1, max_length=200)
    alarm_type: str = Field(default="*", min_length=1, max_length=100)
    min_severity: Severity = Severity.WARNING
    steps: list[StepSpec] = Field(min_length=1, max_length=MAX_STEPS)
    enabled: bool = True

    @field_validator("steps")
    @classmethod
    def _ordered(cls, steps: list[StepSpec]) -> list[StepSpec]:
        delays = [s.delay_s for s in steps]
        if delays != sorted(delays):
            raise ValueError("steps must be in order of delay_s")
        return steps

    def stored(self) -> dict[str, Any]:
        """The row values."""
        return self.model_dump(mode="json")


class _ContactFields(_Strict):
    addresses: dict[ChannelName, str | dict[str, Any]] | None = None
    channels: list[ChannelName] | None = None
    quiet_start: str | None = Field(default=None, description="HH:MM, tenant time zone", examples=["22:00"])
    quiet_end: str | None = Field(default=None, examples=["07:00"])

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {channel: check_address(channel, address) for channel, address in value.items()}

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None:
            parse_hhmm(value)
        return value

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str] | None) -> list[str] | None:
        _unique(value, "channels")
        return value


class ContactSpec(_ContactFields):
    """A person to notify: a user's own settings (``user_id``) or someone outside the platform."""

    name: str = Field(min_length=1, max_length=200)
    user_id: DbId | None = None
    addresses: dict[ChannelName, str | dict[str, Any]] = Field(default_factory=dict)
    channels: list[ChannelName] = Field(default_factory=list)
    language: Literal["ko", "en", "both"] = "ko"
    note: str | None = Field(default=None, max_length=1000)
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> ContactSpec:
        check_contact(self.model_dump())
        return self

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ContactPatch(_ContactFields):
    """A partial update of a contact; fields left out keep their value."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    user_id: DbId | None = None
    language: Literal["ko", "en", "both"] | None = None
    note: str | None = Field(default=None, max_length=1000)
    active: bool | None = None

    @model_validator(mode="after")
    def _not_null(self) -> ContactPatch:
        nulls = [
            f
            for f in ("name", "addresses", "channels", "language", "active")
            if f in self.model_fields_set and getattr(self, f) is None
        ]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave the field out to keep its value")
        return self


def check_contact(values: dict[str, Any]) -> None:
    """Preferred channels need an address; quiet hours need both ends."""
    missing = [c for c in values.get("channels") or [] if c not in (values.get("addresses") or {})]
    if missing:
        raise ValueError(f"preferred channel(s) {', '.join(missing)} have no address")
    if (values.get("quiet_start") is None) != (values.get("quiet_end") is None):
        raise ValueError("quiet_start and quiet_end go together")


def check_channel_config(channel: str, config: dict[str, Any]) -> None:
    """ValueError unless ``config`` is usable for ``channel``; key files must stay inside the data folder."""
    if channel == "webpush":
        key_file = config.get("vapid_key_file")
        if isinstance(key_file, str) and (
            PurePosixPath(key_file).is_absolute()
            or PureWindowsPath(key_file).is_absolute()
            or ".." in PurePosixPath(key_file.replace("\\", "/")).parts
        ):
            raise ValueError("vapid_key_file must be a relative path inside the data folder")
    try:
        validate_config({channel: config}, where="channel")
    except NotifyConfigError as exc:
        raise ValueError(str(exc)) from None

"""Plain data of the notification logic: policies and their steps, people to notify, where to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from maeul.core.alarms import Severity

CHANNEL_ORDER: tuple[str, ...] = ("webpush", "sms", "email", "webhook")
ANY_TYPE = "*"


class Kind(StrEnum):
    """Why a message is sent."""

    RAISED = "raised"
    UPGRADED = "upgraded"
    ESCALATED = "escalated"
    CLEARED = "cleared"
    ASSIGNED = "assigned"
    DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class Step:
    """One escalation step: ``delay_s`` after the alarm was raised, notify these recipients."""

    delay_s: int
    assignee: bool = False
    roles: tuple[str, ...] = ()
    users: tuple[int, ...] = ()
    contacts: tuple[int, ...] = ()
    channels: tuple[str, ...] | None = None  # overrides each recipient's preferred channels
    all_channels: bool = False  # send on every usable channel instead of the first one


@dataclass(frozen=True, slots=True)
class Policy:
    """An escalation policy of a tenant for one alarm type (or ``"*"``) from a minimum severity."""

    id: int
    alarm_type: str
    min_severity: Severity
    steps: tuple[Step, ...]
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window in local time (minutes after midnight); ``end <= start`` crosses midnight."""

    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class Person:
    """Someone to notify: a user (key ``u<id>``) or an external contact (key ``c<id>``)."""

    key: str
    name: str
    addresses: Mapping[str, str]
    channels: tuple[str, ...] = ()
    language: str = "ko"
    quiet: QuietHours | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A user of the tenant as the recipient expansion sees it."""

    id: int
    role: str
    active: bool
    person: Person


@dataclass(frozen=True, slots=True)
class Directory:
    """Users (with their contact settings merged in) and external contacts of one tenant."""

    members: Mapping[int, Member] = field(default_factory=dict)
    contacts: Mapping[int, Person] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Route:
    """Where one message goes, and the channels to fall back to if that one fails for good."""

    channel: str
    address: str
    fallbacks: tuple[tuple[str, str], ...] = ()

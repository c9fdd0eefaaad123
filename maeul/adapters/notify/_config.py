"""Channel configuration: strict pydantic models and one error type with readable messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from maeul.platform.settings import ConfigError

_HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")

M = TypeVar("M", bound=BaseModel)


class NotifyConfigError(ConfigError):
    """A channel configuration cannot be used; the message names the setting and the problem."""


class ConfigModel(BaseModel):
    """Base of the channel configurations: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_config(model: type[M], values: Mapping[str, Any] | M, where: str) -> M:
    """``model`` validated from ``values``; failures become one :class:`NotifyConfigError` naming each field."""
    if isinstance(values, model):
        return values
    if not isinstance(values, Mapping):
        raise NotifyConfigError(f"{where}: expected a table of settings, got {type(values).__name__}")
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        problems = "; ".join(f"{where}.{'.'.join(str(p) for p in err['loc'])}: {_message(err)}" for err in exc.errors())
        raise NotifyConfigError(f"invalid notification settings: {problems}") from exc


def check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names must be HTTP tokens and values single-line (no header injection)."""
    for name, value in headers.items():
        if not _HEADER_NAME_RE.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError(f"header {name}: value must be a single line")
    return dict(headers)


def check_http_url(url: str) -> str:
    """An absolute http(s) URL with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an absolute http:// or https:// URL")
    return url.strip()


def _message(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    if err.get("type") == "extra_forbidden":
        return "unknown setting"
    if err.get("type") == "missing":
        return "required"
    return msg.removeprefix("Value error, ")

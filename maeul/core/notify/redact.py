"""Channel settings in API answers: secrets masked; a masked value sent back keeps the stored secret."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "********"
SECRET_KEYS = frozenset({"password", "secret", "default_secret", "auth_header"})
MASKED_MAPS = frozenset({"headers"})  # every value of these tables may carry a token
URL_KEYS = frozenset({"proxy"})  # user:password@ in these URLs is masked


def _mask_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{MASK}@{host}"))


def redact(value: Any, key: str | None = None) -> Any:
    """A copy of ``value`` with every secret replaced by :data:`MASK`."""
    if isinstance(value, dict):
        if key in MASKED_MAPS:
            return {k: MASK for k in value}
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if key in SECRET_KEYS and value is not None:
        return MASK
    if key in URL_KEYS and isinstance(value, str):
        return _mask_userinfo(value)
    return value


def _match(item: Any, old: list[Any], index: int) -> Any:
    if isinstance(item, dict) and "url" in item:
        for candidate in old:
            if isinstance(candidate, dict) and candidate.get("url") == item["url"]:
                return candidate
        return None
    return old[index] if index < len(old) else None


def restore(new: Any, old: Any) -> Any:
    """``new`` with each masked value taken from ``old`` at the same place (list items match by ``url``)."""
    if isinstance(new, str) and MASK in new:
        return old if isinstance(old, str) else new
    if isinstance(new, dict):
        previous = old if isinstance(old, dict) else {}
        return {k: restore(v, previous.get(k)) for k, v in new.items()}
    if isinstance(new, list):
        previous_items = old if isinstance(old, list) else []
        return [restore(v, _match(v, previous_items, i)) for i, v in enumerate(new)]
    return new


def masked_left(value: Any) -> list[str]:
    """Where a mask is still present (nothing stored to restore it from): paths such as ``endpoints.0.secret``."""
    found: list[str] = []

    def walk(item: Any, path: str) -> None:
        if isinstance(item, str) and MASK in item:
            found.append(path or "(value)")
        elif isinstance(item, dict):
            for k, v in item.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(item, list):
            for i, v in enumerate(item):
                walk(v, f"{path}.{i}" if path else str(i))

    walk(value, "")
    return found

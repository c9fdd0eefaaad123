"""JSON-able values, spec errors that name their path, and a reader for the fields of one spec object."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypeAlias, TypeVar

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = "dict[str, JsonValue]"

T = TypeVar("T", bound=str)


class RuleSpecError(ValueError):
    """A rule or condition that cannot be used; ``path`` points at the offending field (``condition.all[1].value``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or '(rule)'}: {message}")
        self.path = path
        self.message = message


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def as_number(value: object) -> float | None:
    """A finite number as float; None for text, booleans, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class Fields:
    """Reads one JSON object field by field; ``done()`` rejects fields nobody asked for (typos such as ``hold``)."""

    __slots__ = ("_data", "_path", "_seen")

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
            raise RuleSpecError(path, f"expected an object, got {type_name(data)}")
        self._data: Mapping[str, object] = data
        self._path = path
        self._seen: set[str] = {"kind"}

    def path(self, name: str) -> str:
        return join(self._path, name)

    def raw(self, name: str) -> object:
        """The field's value, None if absent or null."""
        self._seen.add(name)
        return self._data.get(name)

    def required(self, name: str) -> object:
        value = self.raw(name)
        if value is None:
            raise RuleSpecError(self.path(name), "required")
        return value

    def text(self, name: str, default: str | None = None) -> str:
        value = self.raw(name)
        if value is None and default is not None:
            return default
        if value is None:
            raise RuleSpecError(self.path(name), "required")
        if not isinstance(value, str):
            raise RuleSpecError(self.path(name), f"expected text, got {type_name(value)}")
        if not value.strip():
            raise RuleSpecError(self.path(name), "must not be empty")
        return value

    def optional_text(self, name: str) -> str | None:
        return None if self.raw(name) is None else self.text(name)

    def number(self, name: str, default: float | None = None) -> float:
        value = self.raw(name)
        if value is None and default is not None:
            return default
        if value is None:
            raise RuleSpecError(self.path(name), "required")
        number = as_number(value)
        if number is None:
            raise RuleSpecError(self.path(name), f"expected a finite number, got {type_name(value)}")
        return number

    def optional_number(self, name: str) -> float | None:
        return None if self.raw(name) is None else self.number(name)

    def seconds(self, name: str, default: int | None = None, minimum: int = 0) -> int:
        """A whole number of seconds, at least ``minimum``."""
        value = self.raw(name)
        if value is None and default is not None:
            return default
        if value is None:
            raise RuleSpecError(self.path(name), "required")
        number = as_number(value)
        if number is None or not number.is_integer():
            raise RuleSpecError(self.path(name), f"expected a whole number of seconds, got {type_name(value)}")
        if number < minimum:
            raise RuleSpecError(self.path(name), f"must be at least {minimum} seconds")
        return int(number)

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise RuleSpecError(self.path(name), f"expected true or false, got {type_name(value)}")
        return value

    def choice(self, name: str, options: tuple[T, ...], default: T | None = None) -> T:
        value = self.raw(name)
        if value is None and default is not None:
            return default
        for option in options:
            if value == option:
                return option
        allowed = ", ".join(repr(o) for o in options)
        got = "nothing" if value is None else repr(value)
        raise RuleSpecError(self.path(name), f"expected one of {allowed}, got {got}")

    def items(self, name: str) -> list[object]:
        """A required non-empty list."""
        value = self.required(name)
        if not isinstance(value, list) or not value:
            raise RuleSpecError(self.path(name), f"expected a non-empty list, got {type_name(value)}")
        return value

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            known = ", ".join(sorted(self._seen - {"kind"}))
            raise RuleSpecError(self.path(unknown[0]), f"unknown field (known fields: kind, {known})")


# -- reading stored state back: wrong types raise ValueError, which resets the condition's state ------------------


def state_object(data: JsonValue) -> dict[str, JsonValue]:
    if not isinstance(data, dict):
        raise ValueError(f"condition state: expected an object, got {type_name(data)}")
    return data


def state_int(data: Mapping[str, JsonValue], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"condition state {name}: expected an integer, got {type_name(value)}")
    return value


def state_float(data: Mapping[str, JsonValue], name: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    number = as_number(value)
    if number is None:
        raise ValueError(f"condition state {name}: expected a number, got {type_name(value)}")
    return number


def state_flag(data: Mapping[str, JsonValue], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"condition state {name}: expected true/false, got {type_name(value)}")
    return value

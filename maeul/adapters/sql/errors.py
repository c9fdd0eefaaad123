"""Errors the repositories raise; the HTTP and CLI adapters turn them into messages."""

from __future__ import annotations


class NotFound(LookupError):
    """The thing does not exist in the caller's tenant (never says whether it exists elsewhere)."""


class Conflict(ValueError):
    """The change clashes with existing data (a name already used, a profile still in use)."""


class Invalid(ValueError):
    """The input is well-formed but not acceptable; the message says why."""

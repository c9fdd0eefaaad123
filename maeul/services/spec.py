"""The service hook interface: how a service (care, complaints, warnings, ...) plugs into the platform.

A service is one folder under ``maeul/services/<name>/`` whose ``service.py`` exposes ``SERVICE``, a
:class:`Service`. Every hook is optional; the platform calls only the ones a service fills in. Third-party
packages add services the same way through the ``maeul.services`` entry-point group.

- ``migrations``: a folder of Alembic revisions on the service's own branch (``branch_labels = ("<name>",)``,
  ``down_revision = None`` for the first one, ``depends_on`` the core revision it needs, e.g. ``"0003"``).
  The platform upgrades every branch to its head at start. Tables live in ``<name>/tables.py`` on the shared
  ``maeul.adapters.sql.tables.metadata``; revision ids start with the service name (``care_0001``).
- ``api_router`` / ``page_router``: factories of FastAPI routers, mounted by the HTTP app (API routes under
  ``/api/v1/<name>/...``; console pages under ``/console/<name>/...``; portal pages under ``/portal/<name>/...``).
- ``templates``: a folder of Jinja2 templates the web shell adds to its loader (name them ``<name>/...``).
- ``nav``: entries for the console's and the portal's navigation.
- ``register_rule_kinds``: called whenever a platform is created; registers the service's rule kinds in
  ``maeul.core.rules`` (idempotent: pass ``replace=True``).
- ``on_start`` / ``on_stop``: the service's background work, started after and stopped before the platform's.
- ``demo``: adds the service's part of ``maeul demo`` (idempotent; returns notes for the operator).
- ``cli``: a Typer app mounted as ``maeul <name> ...``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from maeul.platform.app import Platform

NavArea = Literal["console", "portal"]


@dataclass(frozen=True)
class NavItem:
    """One link in the console's or the portal's navigation."""

    area: NavArea
    path: str
    label_ko: str
    label_en: str
    permission: str | None = None  # a maeul.core.roles.Permission value; None: every signed-in user (portal: public)
    order: int = 100
    icon: str | None = None


@dataclass(frozen=True)
class DemoContext:
    """What ``maeul demo`` hands a service: the demo tenant, its districts and a seeded random source."""

    tenant: str
    district_codes: Sequence[str]
    seed: int
    devices: Sequence[int] = ()  # the core demo's device ids


@dataclass(frozen=True)
class Service:
    """A service of the platform and its hooks (all optional but the names)."""

    name: str
    title_ko: str
    title_en: str
    migrations: Path | None = None
    api_router: Callable[[], APIRouter] | None = None
    page_router: Callable[[], APIRouter] | None = None
    templates: Path | None = None
    nav: tuple[NavItem, ...] = field(default_factory=tuple)
    register_rule_kinds: Callable[[], None] | None = None
    on_start: Callable[[Platform], None] | None = None
    on_stop: Callable[[Platform], None] | None = None
    demo: Callable[[Platform, DemoContext], list[str]] | None = None
    cli: Callable[[], typer.Typer] | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or not self.name.islower():
            raise ValueError(f"service name {self.name!r} must be a lower-case identifier")

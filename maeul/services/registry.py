"""Finding the services: the built-in ones under ``maeul/services`` and any installed through entry points."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

from maeul.services.spec import Service

ENTRY_POINT_GROUP = "maeul.services"
_PACKAGE_DIR = Path(__file__).parent


class ServiceError(RuntimeError):
    """A service cannot be loaded or is configured wrongly; the message names it."""


def _builtin_names() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(_PACKAGE_DIR)])
        if info.ispkg and (_PACKAGE_DIR / info.name / "service.py").exists()
    )


def _load_module_service(module_name: str) -> Service:
    module = importlib.import_module(module_name)
    service = getattr(module, "SERVICE", None)
    if not isinstance(service, Service):
        raise ServiceError(f"{module_name} has no SERVICE of type maeul.services.spec.Service")
    return service


@cache
def installed_services() -> tuple[Service, ...]:
    """Every service this installation has, built-in first, in a stable order; names are unique."""
    found: dict[str, Service] = {}
    for name in _builtin_names():
        service = _load_module_service(f"maeul.services.{name}.service")
        found[service.name] = service
    for point in entry_points(group=ENTRY_POINT_GROUP):
        service = point.load()
        if not isinstance(service, Service):
            raise ServiceError(f"entry point {point.name} ({point.value}) is not a maeul Service")
        if service.name in found:
            raise ServiceError(f"two services are named {service.name!r}")
        found[service.name] = service
    return tuple(found.values())


def select_services(wanted: str, available: Iterable[Service] | None = None) -> tuple[Service, ...]:
    """The services named in ``wanted`` (comma-separated; ``all`` for every one, empty for none)."""
    services = tuple(installed_services() if available is None else available)
    text = wanted.strip()
    if text == "all":
        return services
    names = [part.strip() for part in text.split(",") if part.strip()]
    by_name = {service.name: service for service in services}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        known = ", ".join(by_name) or "none"
        raise ServiceError(f"unknown service(s) {', '.join(unknown)}; installed: {known}")
    return tuple(by_name[name] for name in names)


def migration_folders() -> list[Path]:
    """The Alembic version folders of every installed service (installed, not only enabled: schemas stay whole)."""
    return [service.migrations for service in installed_services() if service.migrations is not None]

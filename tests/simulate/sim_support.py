"""Helpers of the simulator tests (a uniquely named module: every conftest.py is imported as ``conftest``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from maeul.adapters.sql import accounts
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
TENANT = "namyangju"


def _root_conftest(config: pytest.Config) -> ModuleType:
    """tests/conftest.py as pytest loaded it."""
    for plugin in config.pluginmanager.get_plugins():
        module_file = getattr(plugin, "__file__", None)
        if isinstance(plugin, ModuleType) and module_file and Path(module_file).resolve() == ROOT_CONFTEST:
            return plugin
    raise RuntimeError(f"{ROOT_CONFTEST} is not loaded")


def shared_file(config: pytest.Config, *parts: str) -> Path:
    """A file of ../shared through tests/conftest.py's ``shared_path`` (skips outside CI when missing)."""
    path: Path = _root_conftest(config).shared_path(*parts)
    return path


def occupancy_test_file(config: pytest.Config) -> Path:
    return shared_file(config, "data", "occupancy", "datatest.txt")


@contextmanager
def sqlite_platform_in(directory: Path) -> Iterator[Platform]:
    """A started platform on SQLite only, for tests that need not run on both stores."""
    platform = Platform.create(load_settings({}, data_dir=directory))
    platform.start(mqtt=False)
    try:
        yield platform
    finally:
        platform.stop()


def make_tenant(platform: Platform, tenant_id: str = TENANT) -> str:
    with platform.engine.begin() as conn:
        accounts.create_tenant(conn, tenant_id, "남양주시", name_en="Namyangju-si")
    return tenant_id

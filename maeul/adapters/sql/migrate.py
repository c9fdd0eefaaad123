"""Apply Alembic migrations programmatically (no alembic.ini needed): the core branch and every service's."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    from maeul.services.registry import migration_folders

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    folders = [MIGRATIONS / "versions", *migration_folders()]
    cfg.set_main_option("version_locations", os.pathsep.join(str(folder) for folder in folders))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring every branch of the schema to ``revision`` (default: all heads); safe to run on every start."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The applied revisions, comma-separated in a stable order (one per branch), or None on an empty database."""
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) if heads else None


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def head_revision() -> str | None:
    """The revisions a fully upgraded database records, in the same form as :func:`current_revision`.

    A branch head that another branch ``depends_on`` (the core's newest revision, which every service needs) is
    not recorded once a dependent revision is applied, so it is left out here too."""
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    needed: set[str] = set()
    for revision in script.walk_revisions():
        needed.update(_as_tuple(revision.dependencies))
    recorded = heads - needed
    return ",".join(sorted(recorded)) if recorded else None

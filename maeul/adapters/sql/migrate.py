"""Apply Alembic migrations programmatically (no alembic.ini needed): the core branch and every service's."""

from __future__ import annotations

import os
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


def head_revision() -> str | None:
    """The newest revisions of every branch, in the same form as :func:`current_revision`."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return ",".join(sorted(heads)) if heads else None

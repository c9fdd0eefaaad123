"""SQLite's WAL checkpoints on a thread of their own, so that no writer's commit pays for one.

In WAL mode, SQLite copies the log back into the database file (a checkpoint) in whichever commit finds the log
past ``wal_autocheckpoint`` pages, and that commit waits for the copy and its sync. For the ingest writer that
meant a checkpoint after nearly every batch at SQLite's default (1,000 pages), or, with the larger threshold
Maeul sets, a rare but long one (a batch of 64 rows taking 280 ms in the alert benchmark): the readings of that
batch, and the alarms they raise, wait for it. SQLite's documentation suggests running checkpoints from a
separate thread instead; a ``PASSIVE`` checkpoint waits for no reader or writer, and the next write transaction
after a complete one starts the log afresh. The threshold stays as a backstop should this thread fall behind.
"""

from __future__ import annotations

from sqlalchemy import Engine

INTERVAL_S = 0.5  # how often the platform runs one (maeul.platform.app)


class WalCheckpointer:
    """``PRAGMA wal_checkpoint(PASSIVE)`` on a SQLite file; the platform runs it every ``INTERVAL_S`` seconds."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def applies_to(engine: Engine) -> bool:
        """A SQLite database in a file (an in-memory one has no log)."""
        database = engine.url.database
        return engine.dialect.name == "sqlite" and bool(database) and database != ":memory:"

    def checkpoint(self) -> tuple[int, int, int]:
        """One passive checkpoint: (busy, frames in the log, frames checkpointed), as SQLite reports them."""
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        return int(row[0]), int(row[1]), int(row[2])

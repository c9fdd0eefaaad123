"""WAL checkpoints apart from the writers' commits: the log is copied back, and the next write starts it afresh;
only SQLite files have one. (The platform runs them on a thread: tests/platform/test_periodic.py.)"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.wal_checkpointer import WalCheckpointer


def _write(engine: Engine, rows: int, start: int = 0) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO t (n, body) VALUES (:n, :body)"),
            [{"n": n, "body": "x" * 200} for n in range(start, start + rows)],
        )


def test_a_checkpoint_copies_the_whole_log_and_the_next_write_starts_it_afresh(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT)"))
        _write(engine, 2000)
        checkpointer = WalCheckpointer(engine)
        busy, frames, copied = checkpointer.checkpoint()
        assert busy == 0 and frames > 0 and copied == frames
        _write(engine, 10, start=2000)
        _busy, after, _copied = checkpointer.checkpoint()
        assert 0 < after < frames, "the write after a complete checkpoint reused the log from its start"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2010
    finally:
        engine.dispose()


def test_only_sqlite_files_have_a_log_to_checkpoint(tmp_path: Path) -> None:
    memory = make_engine("sqlite:///:memory:")
    file = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    postgres = make_engine("postgresql://maeul@127.0.0.1:5432/test")
    try:
        assert WalCheckpointer.applies_to(file)
        assert not WalCheckpointer.applies_to(memory) and not WalCheckpointer.applies_to(postgres)
    finally:
        for engine in (memory, file, postgres):
            engine.dispose()

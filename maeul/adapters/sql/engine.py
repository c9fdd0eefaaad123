"""Database engines: SQLite in WAL mode or PostgreSQL (psycopg 3), from one URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from maeul.adapters.sql.sqlite_gate import GatedConnection, gate_for


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")
    # Checkpoint after 20,000 WAL pages (about 80 MB) rather than SQLite's 1,000: the ingest writer's batches
    # of 20,000 rows touch thousands of pages, so the default checkpointed (and synced) after nearly every
    # commit. Measured: +10 % end to end on the ingestion benchmark (docs/performance.md, run 6).
    cur.execute("PRAGMA wal_autocheckpoint=20000")
    cur.close()


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine tuned for Maeul's workload; creates the SQLite file's folder if needed."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
        gate = None
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # this process's writers take turns first come first served (see sqlite_gate.py)
            gate = gate_for(str(Path(parsed.database).resolve()))
            connect_args["factory"] = GatedConnection
        engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _sqlite_pragmas)
        if gate is not None:
            event.listen(engine, "connect", lambda dbapi_conn, _record: dbapi_conn.use_gate(gate))
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"

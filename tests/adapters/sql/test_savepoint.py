"""A savepoint taken before anything was written stays inside the caller's transaction (both stores)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from maeul.adapters.sql.engine import make_engine
from maeul.adapters.sql.savepoint import savepoint


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    with e.begin() as conn:
        conn.execute(text("CREATE TABLE notes (n INTEGER)"))
    yield e
    e.dispose()


def _notes(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(n) for n in conn.execute(text("SELECT n FROM notes ORDER BY n")).scalars()]


def test_a_savepoint_first_is_committed_or_rolled_back_with_the_transaction(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        with savepoint(conn):
            conn.execute(text("INSERT INTO notes VALUES (1)"))
        assert _notes(engine) == [], "released, but not committed"
        raise RuntimeError("the transaction fails afterwards")
    assert _notes(engine) == []
    with engine.begin() as conn:
        with savepoint(conn):
            conn.execute(text("INSERT INTO notes VALUES (2)"))
        conn.execute(text("INSERT INTO notes VALUES (3)"))
    assert _notes(engine) == [2, 3]


def test_a_failed_savepoint_is_undone_alone(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO notes VALUES (1)"))
        with pytest.raises(RuntimeError), savepoint(conn):
            conn.execute(text("INSERT INTO notes VALUES (2)"))
            raise RuntimeError("undo this part")
        conn.execute(text("INSERT INTO notes VALUES (3)"))
    assert _notes(engine) == [1, 3]

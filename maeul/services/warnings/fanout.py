"""Large fan-outs on PostgreSQL: the message commits first, then its residents are handed to the outbox in parallel
parts, each its own transaction; a part that did not commit is run again (resume), never twice for anyone.

Why: on PostgreSQL one outbox row costs the server about 18 µs of CPU (the primary key and four secondary indexes of
the shared outbox, the tenant foreign-key check; the texts are a shared template) and under 1 kB of WAL, so 100,000
residents in one statement keep one core busy about 2 s, and longer on a busy machine (docs/warnings.md, "Speed").
Split over subscriber-id ranges, the parts run on several cores at once, and the station's state lock is not held
while they run.

Exactly once: every part is ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` on the outbox's primary key
``w<message>.s<subscriber>``, and the part adds the rows it wrote to the message's ``recipients`` in the same
transaction. A message whose fan-out is not finished has ``fanout_ms`` NULL: running all its parts again (after a
failure or a crash) writes only the missing rows. Small areas (fewer than :data:`PARALLEL_MIN` residents), drawn
polygons and SQLite keep the single transaction of the message.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select, update

from maeul.platform.notify.wakeup import OnCheckin
from maeul.services.warnings.tables import messages, subscriber_districts

log = logging.getLogger("maeul.warnings")

# Per store: residents in the area from which a fan-out runs in parallel parts after the commit. Not on SQLite:
# it has one writer at a time, so parts could not run side by side (and 100,000 rows take it about a second).
PARALLEL_MIN: dict[str, int] = {"postgresql": 20_000}
PARTS = max(2, min(4, os.cpu_count() or 2))  # parts (and threads) per fan-out: about the machine's cores
PENDING = "maeul.warnings.fanout_pending"  # connection info key: [(message id, wall-clock ms at publish start)]


@dataclass(frozen=True, slots=True)
class Part:
    """Subscribers with ``low <= id <= high``."""

    low: int
    high: int


def split(low: int, high: int, parts: int) -> list[Part]:
    """``parts`` contiguous id ranges covering ``low..high`` (fewer when the range is smaller)."""
    if high < low:
        return []
    size = max(1, -(-(high - low + 1) // max(1, parts)))
    return [Part(start, min(high, start + size - 1)) for start in range(low, high + 1, size)]


def in_area(conn: Connection, tenant_id: str, codes: Sequence[str]) -> int:
    """Place-district rows in the area: an upper bound of its residents, to choose the fan-out."""
    d = subscriber_districts.c
    query = select(func.count()).where(d.tenant_id == tenant_id, d.district_code.in_(list(codes)))
    return int(conn.execute(query).scalar_one())


def should_defer(conn: Connection, tenant_id: str, codes: Sequence[str]) -> bool:
    """Whether the area is large enough (on this store) to hand the message out in parallel parts."""
    least = PARALLEL_MIN.get(conn.dialect.name)
    return least is not None and bool(codes) and in_area(conn, tenant_id, codes) >= least


def defer(conn: Connection, message_id: int, started_ms: int) -> None:
    """Note on the transaction's connection that the message's fan-out runs after the commit."""
    conn.info.setdefault(PENDING, []).append((message_id, started_ms))


def unfinished(conn: Connection) -> list[int]:
    """Messages whose fan-out has not finished (``fanout_ms`` NULL), oldest first."""
    rows = conn.execute(select(messages.c.id).where(messages.c.fanout_ms.is_(None)).order_by(messages.c.id))
    return [int(i) for i in rows.scalars()]


# What runs one part: (connection, message id, part) -> rows written. Provided by alerts (it knows the message).
PartRunner = Callable[[Connection, int, Part], int]
# The subscriber-id range to split: (connection, message id) -> (low, high), or None when nothing is left to do.
RangeOf = Callable[[Connection, int], tuple[int, int] | None]


class ParallelFanOut:
    """Runs the parts of deferred fan-outs on a small thread pool; one engine connection per part."""

    def __init__(self, engine: Engine, range_of: RangeOf, run_part: PartRunner, parts: int = PARTS) -> None:
        self.engine = engine
        self.range_of = range_of
        self.run_part = run_part
        self.parts = parts
        self._pool = ThreadPoolExecutor(max_workers=parts, thread_name_prefix="maeul-warnings-fanout")

    def complete(self, message_id: int, started_ms: int | None = None) -> int:
        """Hand the message to every remaining resident; returns the rows written now. Raises if a part failed
        (the message then stays unfinished and is run again later)."""
        began = time.time() * 1000 if started_ms is None else started_ms
        with self.engine.connect() as conn:
            bounds = self.range_of(conn, message_id)
        written = 0
        if bounds is not None:
            futures = [self._pool.submit(self._part, message_id, p) for p in split(*bounds, self.parts)]
            written = sum(f.result() for f in futures)
        with self.engine.begin() as conn:
            conn.execute(
                update(messages)
                .where(messages.c.id == message_id, messages.c.fanout_ms.is_(None))
                .values(fanout_ms=max(0, round(time.time() * 1000 - began)))
            )
        return written

    def _part(self, message_id: int, part: Part) -> int:
        with self.engine.begin() as conn:
            written = self.run_part(conn, message_id, part)
            if written:
                conn.execute(
                    update(messages)
                    .where(messages.c.id == message_id)
                    .values(recipients=messages.c.recipients + written)
                )
            return written

    def resume(self) -> int:
        """Finish every unfinished fan-out (after a failure or a restart); returns how many were finished, or -1
        when one failed again (to be tried later)."""
        with self.engine.connect() as conn:
            pending = unfinished(conn)
        done, failed = 0, False
        for message_id in pending:
            try:
                self.complete(message_id)
                done += 1
            except Exception:  # the next resume tries again; the others must not wait for this one
                log.exception("fan-out of warning message %s failed; it will be resumed", message_id)
                failed = True
        return -1 if failed else done

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class AfterCommit(OnCheckin):
    """Hands the fan-outs deferred by a transaction to ``submit`` when its connection returns to the pool.

    After a commit the message is visible, so the parts find it; after a rollback it does not exist, and
    ``complete`` writes nothing.
    """

    def __init__(self, engine: Engine, submit: Callable[[list[tuple[int, int]]], None]) -> None:
        super().__init__(engine, PENDING, lambda pending: submit(list(pending)))

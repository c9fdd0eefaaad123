"""Many rows in few SQLite statements: multi-row ``VALUES`` padded to a few statement shapes, on the raw cursor.

Every statement the ``sqlite3`` module runs (and every row it steps through) releases the interpreter lock
and must take it back; while other threads run Python that can take a whole switch interval (5 ms). An
``executemany`` of 500 rows is 500 such waits; one statement of 500 rows is one. Statements hold up to
:data:`MAX_ROWS` rows; the last one is padded by repeating its last row (see :func:`chunk_sizes`), so a few
dozen statement shapes (kept in the module's statement cache) cover every row count. Only for statements that a
repeated row leaves as they were: ``ON CONFLICT DO NOTHING``, or an upsert of the same values.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

MAX_ROWS = 1024  # rows per statement at most
GRANULE = 64  # statement sizes above it are multiples of it (see chunk_sizes)


def chunk_sizes(total: int, largest: int) -> list[int]:
    """Statement sizes for ``total`` rows: chunks of ``largest``, then one that holds the rest, padded to a power of
    two up to :data:`GRANULE` rows and to a multiple of it above: few statements, few shapes, little padding."""
    sizes = [largest] * (total // largest)
    rest = total % largest
    if rest:
        padded = 1 << (rest - 1).bit_length() if rest <= GRANULE else -(-rest // GRANULE) * GRANULE
        sizes.append(min(padded, largest))
    return sizes


@lru_cache(maxsize=64)
def multi_row_sql(template: str, width: int, rows: int) -> str:
    """``template`` with its ``{values}`` replaced by ``rows`` groups of ``width`` placeholders."""
    one = "(" + ", ".join("?" * width) + ")"
    return template.replace("{values}", ", ".join([one] * rows))


def execute_padded(cursor: Any, template: str, rows: Sequence[Sequence[Any]], width: int) -> int:
    """Run ``template`` (with ``{values}``) over ``rows`` in multi-row statements, the last one padded with
    repeats of its last row; returns the sum of the statements' ``rowcount``."""
    if not rows:
        return 0
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
    largest = MAX_ROWS
    while largest > limit:
        largest //= 2
    changed = 0
    start = 0
    execute = cursor.execute
    for size in chunk_sizes(len(rows), largest):
        chunk = list(rows[start : start + size])
        start += len(chunk)
        chunk.extend([chunk[-1]] * (size - len(chunk)))
        execute(multi_row_sql(template, width, size), list(chain.from_iterable(chunk)))
        changed += cursor.rowcount
    return changed

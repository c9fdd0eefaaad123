"""Work that rides in the ingest writer's transaction, and the devices whose part should commit before the rest.

A hook of :class:`~maeul.platform.ingest.IngestService` (the rule runner) is entered with a batch's devices
before the writer's transaction and yields a :class:`TransactionWrites`. Its ``urgent`` devices are those whose
part changes something people wait for (an alarm raised or cleared): the writer commits their readings and their
part first, in a small transaction of its own, and the rest of the batch after it, so that an alarm never waits
for a large batch of other devices' readings to be written. Each device's readings and writes stay in one
transaction, so the order per device is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import Connection

from maeul.adapters.sql.telemetry_store import DeviceBatch


class TransactionWrites(Protocol):
    """Writes a part of one batch's work on the writer's connection: the given devices' part, or (None) all of
    what is not written yet. Each device's part is written once."""

    @property
    def urgent(self) -> frozenset[int]:
        """Devices whose part should be committed first."""
        ...

    def __call__(self, conn: Connection, devices: Collection[int] | None = None, /) -> None: ...


# Called with a batch's devices before its transaction; what it yields is called on the transaction's connection
# after the readings are written, and the context ends after the commit (or with the rollback's error).
TransactionHook = Callable[[list[DeviceBatch]], AbstractContextManager[TransactionWrites]]


class NoWrites:
    """The part of a batch that has nothing to write."""

    urgent: frozenset[int] = frozenset()

    def __call__(self, conn: Connection, devices: Collection[int] | None = None, /) -> None:
        return None


def split_urgent(
    batches: list[DeviceBatch], writes: list[TransactionWrites]
) -> tuple[frozenset[int], list[DeviceBatch], list[DeviceBatch]]:
    """The urgent devices of ``writes``, and ``batches`` split into theirs and the others (both in order); no
    urgent devices and no first part when either part would be empty (then one transaction does it all)."""
    urgent = frozenset().union(*(w.urgent for w in writes))
    if not urgent:
        return urgent, [], batches
    first = [b for b in batches if b.device_id in urgent]
    rest = [b for b in batches if b.device_id not in urgent]
    if not first or not rest:
        return frozenset(), [], batches
    return urgent, first, rest

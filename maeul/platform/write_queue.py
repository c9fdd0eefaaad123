"""The ingest writer's queue: messages gathered into batches, each batch made ready for its write as it fills.

Producers (MQTT bridges, HTTP handlers) add a message to the open batch and do its per-reading preparation
(:class:`~maeul.adapters.sql.telemetry_store.PreparedWrite`) in their own thread, while the writer's thread
waits for the database on the previous batch. When the writer is free it takes the oldest batch as it is:
everything queued up to that moment, at most about ``batch_rows`` rows (a batch closes once it holds that many,
and the next message opens a new one). Group commit without a linger, and no per-reading work left for the
writer's thread but the write itself.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from maeul.adapters.sql.telemetry_store import DeviceBatch, PreparedWrite


class QueuedItem(Protocol):
    """A queued message or bundle: its budget rows and the readings it carries (one batch per device message)."""

    @property
    def rows(self) -> int: ...

    def device_batches(self) -> Sequence[DeviceBatch]: ...


ItemT = TypeVar("ItemT", bound=QueuedItem)


@dataclass(slots=True)
class Batch(Generic[ItemT]):
    """Items taken together by the writer, and their readings prepared for one write."""

    prepared: PreparedWrite
    items: list[ItemT] = field(default_factory=list)
    rows: int = 0


class WriteQueue(Generic[ItemT]):
    """Batches of at most about ``batch_rows`` rows, oldest first; ``take`` waits for one."""

    def __init__(self, batch_rows: int, new_prepared: Callable[[], PreparedWrite]) -> None:
        self.batch_rows = batch_rows
        self._new_prepared = new_prepared
        self._batches: deque[Batch[ItemT]] = deque()
        self._cond = threading.Condition()
        self._closing = False

    def put(self, item: ItemT) -> None:
        """Add the item to the open batch (opening one if there is none or it is full) and prepare it."""
        with self._cond:
            if not self._batches or self._batches[-1].rows >= self.batch_rows:
                self._batches.append(Batch(self._new_prepared()))
            batch = self._batches[-1]
            for device_batch in item.device_batches():
                batch.prepared.add(device_batch)
            batch.items.append(item)
            batch.rows += item.rows
            self._cond.notify()

    def take(self, linger_s: float = 0.0) -> Batch[ItemT] | None:
        """The oldest batch, waiting for one; with ``linger_s``, first up to that long for it to fill. None once
        :meth:`close` was called and every batch was taken."""
        with self._cond:
            while not self._batches:
                if self._closing:
                    return None
                self._cond.wait()
            if linger_s > 0:
                deadline = time.monotonic() + linger_s
                while len(self._batches) == 1 and self._batches[0].rows < self.batch_rows and not self._closing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
            return self._batches.popleft()

    def close(self) -> None:
        """Let :meth:`take` return None once the queue is empty (what is queued is still taken first)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()

    def reopen(self) -> None:
        with self._cond:
            self._closing = False

    def __len__(self) -> int:
        with self._cond:
            return len(self._batches)

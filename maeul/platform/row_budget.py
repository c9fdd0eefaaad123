"""A bound on buffered rows: producers wait (back-pressure) while the writer is behind."""

from __future__ import annotations

import threading


class RowBudget:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._cond = threading.Condition()

    def acquire(self, rows: int, timeout: float | None = None) -> bool:
        """Reserve room for ``rows``; an oversized message is admitted alone when the buffer is empty."""
        with self._cond:
            if not (self.used == 0 or self.used + rows <= self.capacity) and not self._cond.wait_for(
                lambda: self.used == 0 or self.used + rows <= self.capacity, timeout=timeout
            ):
                return False
            self.used += rows
            return True

    def release(self, rows: int) -> None:
        with self._cond:
            self.used -= rows
            self._cond.notify_all()

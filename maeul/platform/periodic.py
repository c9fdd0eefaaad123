"""A job run every few seconds on a thread of its own, until stopped (housekeeping, WAL checkpoints)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any


class Periodic:
    """Runs ``job`` every ``interval_s`` seconds, the first time after ``first_delay_s`` (default: one interval).

    A job that raises is logged and run again at the next interval: background work must never stop the platform.
    """

    def __init__(
        self,
        name: str,
        job: Callable[[], Any],
        interval_s: float,
        *,
        first_delay_s: float | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.name = name
        self.job = job
        self.interval_s = interval_s
        self.first_delay_s = interval_s if first_delay_s is None else first_delay_s
        self.runs = 0
        self._log = log or logging.getLogger("maeul.periodic")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        delay = self.first_delay_s
        while not self._stop.wait(delay):
            try:
                self.job()
            except Exception:
                self._log.exception("%s failed; retrying in %.1f s", self.name, self.interval_s)
            self.runs += 1
            delay = self.interval_s

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

"""Background loops: a thread that runs ``run_once`` until stopped, pausing when there was nothing to do.

A pause ends early when the loop is woken (:meth:`Loop.wake`): the notification service wakes its dispatchers
as soon as a transaction that queued a message has committed, so a new notification never waits for the next
polling round (the polling interval is only a fallback).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("maeul.notify")


class Loop:
    """Calls ``work`` (which returns how much it did) repeatedly on its own thread; waits ``idle_s`` when idle."""

    def __init__(self, name: str, work: Callable[[], int], idle_s: float) -> None:
        self.name = name
        self.work = work
        self.idle_s = idle_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def _pause(self, seconds: float) -> bool:
        """Wait until woken, stopped or ``seconds`` passed; True if the loop must stop."""
        self._wake.wait(seconds)
        self._wake.clear()  # a wake-up arriving from here on makes the next pause return at once
        return self._stop.is_set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.work()
            except Exception:  # a failing round is logged and retried; the loop never dies
                log.exception("%s failed; retrying in %.1f s", self.name, max(self.idle_s, 1.0))
                done = 0
                if self._stop.wait(max(self.idle_s, 1.0)):
                    return
                continue
            if not done and self._pause(self.idle_s):
                return

    def wake(self) -> None:
        """Run the next round now (if the loop is pausing) or right after the current one."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

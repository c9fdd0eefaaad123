"""Time the process spends in Python's cyclic garbage collector (a diagnostic; it changes nothing)."""

from __future__ import annotations

import gc
import time
from typing import Any


class GcMeter:
    """Adds up collector pauses (all threads) between ``start`` and ``stop``, via ``gc.callbacks``."""

    def __init__(self) -> None:
        self.pause_s = 0.0
        self.collections = [0, 0, 0]
        self._began = 0.0
        self._installed = False

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pause_s += time.perf_counter() - self._began
            self.collections[int(info.get("generation", 0))] += 1

    def start(self) -> None:
        if not self._installed:
            gc.callbacks.append(self._callback)
            self._installed = True

    def stop(self) -> None:
        if self._installed:
            gc.callbacks.remove(self._callback)
            self._installed = False

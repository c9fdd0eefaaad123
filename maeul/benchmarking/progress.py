"""How a long benchmark phase reports its progress (the CLI shows a Rich bar; tests pass nothing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    def phase(self, description: str, total_s: float) -> None:
        """A phase of about ``total_s`` seconds begins."""
        ...

    def update(self, elapsed_s: float, detail: str) -> None:
        """``elapsed_s`` of the phase have passed; ``detail`` is a short live figure."""
        ...

    def done(self) -> None:
        """The phase ended."""
        ...


class NoProgress:
    """Reports nothing."""

    def phase(self, description: str, total_s: float) -> None:
        pass

    def update(self, elapsed_s: float, detail: str) -> None:
        pass

    def done(self) -> None:
        pass


def run_for(
    seconds: float, step: Callable[[float], str], progress: Progress, description: str, interval_s: float = 0.25
) -> float:
    """Call ``step(elapsed)`` every ``interval_s`` until ``seconds`` passed; returns the exact elapsed time."""
    progress.phase(description, seconds)
    start = time.monotonic()
    next_report = start
    try:
        while True:
            now = time.monotonic()
            elapsed = now - start
            if elapsed >= seconds:
                return elapsed
            detail = step(elapsed)
            if now >= next_report:
                progress.update(elapsed, detail)
                next_report = now + interval_s
    finally:
        progress.done()

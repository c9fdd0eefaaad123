"""Retry delays: exponential back-off with jitter under a cap, never sooner than the receiver asked."""

from __future__ import annotations

from dataclasses import dataclass

MAX_RETRY_AFTER_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """``base_s * factor**(n-1)`` after the n-th failed attempt, at most ``cap_s``, minus up to ``jitter`` of it."""

    base_s: float = 5.0
    factor: float = 2.0
    cap_s: float = 300.0
    jitter: float = 0.2


def retry_delay_ms(attempts: int, rule: Backoff, rand: float, retry_after_s: float | None = None) -> int:
    """The wait after ``attempts`` failed attempts; ``rand`` in [0, 1) picks the jitter."""
    exponent = min(max(attempts, 1) - 1, 64)
    raw = min(rule.cap_s, rule.base_s * rule.factor**exponent)
    delay = raw * (1.0 - rule.jitter * min(max(rand, 0.0), 1.0))
    if retry_after_s is not None and retry_after_s > 0:
        delay = max(delay, min(retry_after_s, MAX_RETRY_AFTER_S))
    return max(1, round(delay * 1000))

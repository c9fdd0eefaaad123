"""The port through which the MQTT adapter hands telemetry to storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class TelemetrySink(Protocol):
    """Where received MQTT messages go; the broker is acknowledged only once ``on_stored`` is called."""

    def submit_mqtt(
        self, tenant: str, device_id: int, payload: bytes, topic: str, on_stored: Callable[[], None]
    ) -> None:
        """Parse, validate, queue for storage; call on_stored() (from any thread) once the rows are committed
        or the message is dead-lettered. May block when the write queue is full (back-pressure)."""
        ...

    def reject_mqtt(self, topic: str, payload: bytes, reason: str) -> None:
        """Record an unusable message (bad topic) as a dead letter; it is then acknowledged."""
        ...

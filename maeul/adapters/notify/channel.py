"""What every notification channel offers to the outbox dispatcher."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from maeul.adapters.notify.message import DeliveryResult, Notification


@runtime_checkable
class Channel(Protocol):
    """A delivery channel. ``deliver`` is synchronous, bounded by timeouts, and never raises for delivery
    problems: those come back as a :class:`DeliveryResult`. It may be called from several threads at once."""

    name: str

    def deliver(self, n: Notification) -> DeliveryResult:
        """Make one attempt to deliver ``n``; retries are the dispatcher's decision."""
        ...

    def close(self) -> None:
        """Release connections; the channel is not used afterwards."""
        ...

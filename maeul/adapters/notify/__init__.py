"""Notification channels: e-mail (SMTP), signed JSON webhooks, Web Push (VAPID) and SMS over an HTTP gateway."""

from maeul.adapters.notify.channel import Channel
from maeul.adapters.notify.message import DeliveryResult, Notification

__all__ = ["Channel", "DeliveryResult", "Notification"]

"""Alarm notifications: escalation policies, a transactional outbox, and its dispatcher."""

from maeul.platform.notify.service import NotifyOptions, NotifyService

__all__ = ["NotifyOptions", "NotifyService"]

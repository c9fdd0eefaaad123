"""A tenant's channels, built and validated from its configuration table.

Example (TOML)::

    [email]
    host = "smtp.city.go.kr"
    from_address = "alarm@city.go.kr"
    username = "alarm"
    password = "..."

    [webhook]
    endpoints = [{url = "https://ops.city.go.kr/hooks/maeul", secret = "at least sixteen chars"}]

    [webpush]
    vapid_key_file = "data/vapid/namyangju.pem"
    subject = "mailto:ops@city.go.kr"

    [sms]
    url = "https://sms-gateway.example/v1/send"
    auth_header = "Bearer ..."
    body_template = {to = "{to}", text = "{text}", ref = "{id}", type = "{kind}"}

A channel without a table is not configured: its notifications fail permanently with ``not_configured``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from maeul.adapters.notify._config import NotifyConfigError, parse_config
from maeul.adapters.notify.channel import Channel
from maeul.adapters.notify.email import EmailChannel, EmailConfig
from maeul.adapters.notify.message import CHANNELS, INTERNAL_ERROR, NOT_CONFIGURED, DeliveryResult, Notification
from maeul.adapters.notify.sms import SmsChannel, SmsConfig
from maeul.adapters.notify.webhook import WebhookChannel, WebhookConfig
from maeul.adapters.notify.webpush import WebPushChannel, WebPushConfig

log = logging.getLogger("maeul.notify")

__all__ = ["ChannelRegistry", "NotifyConfigError", "build_channels", "validate_config"]


class ChannelRegistry:
    """The configured channels of one tenant, looked up by :attr:`Notification.channel`."""

    def __init__(self, channels: Mapping[str, Channel], tenant: str | None = None) -> None:
        self._channels = dict(channels)
        self.tenant = tenant

    def __contains__(self, name: object) -> bool:
        return name in self._channels

    def __getitem__(self, name: str) -> Channel:
        return self._channels[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._channels)

    def __len__(self) -> int:
        return len(self._channels)

    def deliver(self, n: Notification) -> DeliveryResult:
        """One attempt over ``n.channel``; an unexpected exception becomes a retryable ``internal_error``."""
        channel = self._channels.get(n.channel)
        if channel is None:
            where = f" for tenant {self.tenant}" if self.tenant else ""
            return DeliveryResult.permanent(NOT_CONFIGURED, f"channel {n.channel} is not configured{where}")
        try:
            return channel.deliver(n)
        except Exception as exc:
            log.exception("channel %s failed on notification %s", n.channel, n.id)
            return DeliveryResult.retry(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        """Close every channel (errors are logged, not raised)."""
        for name, channel in self._channels.items():
            try:
                channel.close()
            except Exception:
                log.exception("closing notification channel %s failed", name)

    def __enter__(self) -> ChannelRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_MODELS = {"email": EmailConfig, "webhook": WebhookConfig, "webpush": WebPushConfig, "sms": SmsConfig}


def validate_config(
    config: Mapping[str, Any], *, where: str = "notify", base_dir: Path | None = None
) -> dict[str, Any]:
    """The validated configuration models by channel name; :class:`NotifyConfigError` says what is wrong.

    Relative paths (the VAPID key file, a CA file) are taken relative to ``base_dir`` when given."""
    if not isinstance(config, Mapping):
        raise NotifyConfigError(f"{where}: expected a table of channels, got {type(config).__name__}")
    unknown = sorted(set(config) - set(CHANNELS))
    if unknown:
        raise NotifyConfigError(f"{where}: unknown channel(s) {', '.join(unknown)} (known: {', '.join(CHANNELS)})")
    models: dict[str, Any] = {}
    for name, values in config.items():
        if values is None:
            continue
        if base_dir is not None and isinstance(values, Mapping):
            values = _resolve_paths(values, base_dir)
        models[name] = parse_config(_MODELS[name], values, f"{where}.{name}")
    return models


def build_channels(
    config: Mapping[str, Any], *, tenant: str | None = None, base_dir: Path | None = None
) -> ChannelRegistry:
    """Validate ``config`` completely, then build a channel for each configured table."""
    where = f"notify[{tenant}]" if tenant else "notify"
    models = validate_config(config, where=where, base_dir=base_dir)
    channels: dict[str, Channel] = {}
    try:
        for name, model in models.items():
            channels[name] = _build(name, model, where)
    except BaseException:
        ChannelRegistry(channels).close()
        raise
    return ChannelRegistry(channels, tenant)


def _build(name: str, model: Any, where: str) -> Channel:
    if name == "email":
        return EmailChannel(model)
    if name == "webhook":
        return WebhookChannel(model)
    if name == "sms":
        return SmsChannel(model)
    try:
        return WebPushChannel(model)
    except (OSError, ValueError) as exc:
        raise NotifyConfigError(f"{where}.webpush.vapid_key_file: cannot load or create the key: {exc}") from exc


def _resolve_paths(values: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
    resolved = dict(values)
    for key in ("vapid_key_file", "ca_file"):
        value = resolved.get(key)
        if isinstance(value, str | Path) and not Path(value).is_absolute():
            resolved[key] = Path(base_dir) / value
    return resolved

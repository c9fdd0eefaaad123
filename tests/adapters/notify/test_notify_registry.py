"""Building a tenant's channels from configuration: validation errors, lookup, delivery by channel name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from notify_support import BrowserSubscription, Receiver, SmtpServer, notification

from maeul.adapters.notify.channel import Channel
from maeul.adapters.notify.message import DeliveryResult, Notification
from maeul.adapters.notify.registry import ChannelRegistry, NotifyConfigError, build_channels, validate_config
from maeul.platform.settings import ConfigError

SECRET = "tenant-webhook-secret-1"


def full_config(smtp_port: int, hook_url: str) -> dict[str, Any]:
    return {
        "email": {
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "from_address": "a@city.example.kr",
            "helo_name": "maeul.test",
        },
        "webhook": {"endpoints": [{"url": hook_url, "secret": SECRET}]},
        "webpush": {
            "vapid_key_file": "vapid/namyangju.pem",
            "subject": "mailto:ops@city.example.kr",
            "allow_insecure_endpoints": True,
        },
        "sms": {"url": hook_url, "body_template": {"to": "{to}", "text": "{text}"}},
    }


def test_builds_every_channel_and_delivers_by_name(tmp_path: Path) -> None:
    with SmtpServer() as smtp, Receiver() as rx:
        config = full_config(smtp.port, rx.url("/in"))
        with build_channels(config, tenant="namyangju", base_dir=tmp_path) as registry:
            assert sorted(registry) == ["email", "sms", "webhook", "webpush"] and len(registry) == 4
            assert all(isinstance(registry[name], Channel) for name in registry)
            assert (tmp_path / "vapid" / "namyangju.pem").exists()
            results = [
                registry.deliver(notification("email", "a@example.kr")),
                registry.deliver(notification("webhook", rx.url("/in"))),
                registry.deliver(notification("sms", "010-1234-5678")),
                registry.deliver(notification("webpush", BrowserSubscription(rx.url("/push")).to_json())),
            ]
    assert [r.ok for r in results] == [True, True, True, True], results
    assert len(smtp.received) == 1 and len(rx.requests) == 3


def test_unconfigured_channel_fails_permanently() -> None:
    registry = build_channels({"sms": None}, tenant="suwon")
    result = registry.deliver(notification("email", "a@example.kr"))
    assert not result.ok and not result.retryable and result.status == "not_configured"
    assert "suwon" in (result.error or "")


def test_unexpected_exception_becomes_retryable_internal_error() -> None:
    class Broken:
        name = "sms"

        def deliver(self, n: Notification) -> DeliveryResult:
            raise RuntimeError("bug")

        def close(self) -> None:
            raise RuntimeError("close bug")

    registry = ChannelRegistry({"sms": Broken()})
    result = registry.deliver(notification("sms", "01012345678"))
    assert not result.ok and result.retryable and result.status == "internal_error" and "bug" in (result.error or "")
    registry.close()  # logged, not raised


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"fax": {}}, r"notify\[t1\]: unknown channel\(s\) fax"),
        ({"email": "smtp.example"}, r"notify\[t1\]\.email: expected a table"),
        ({"email": {"host": "h"}}, r"notify\[t1\]\.email\.from_address: required"),
        ({"webhook": {"endpoints": [{"url": "hook", "secret": SECRET}]}}, r"endpoints\.0\.url: .*not an absolute"),
        ({"webhook": {"endpoints": [{"url": "https://x.kr/h", "secret": "short"}]}}, r"endpoints\.0\.secret"),
        ({"webpush": {"vapid_key_file": "k.pem"}}, r"webpush\.subject: required"),
        ({"sms": {"url": "https://gw.kr", "body_template": {"t": "{txt}"}}}, r"unknown placeholder\(s\) txt"),
    ],
)
def test_invalid_configurations_name_the_setting(config: dict[str, Any], message: str) -> None:
    with pytest.raises(NotifyConfigError, match=message) as info:
        build_channels(config, tenant="t1")
    assert isinstance(info.value, ConfigError)


def test_unusable_vapid_key_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "vapid.pem"
    bad.write_text("not a key")
    bad.chmod(0o600)
    config = {"webpush": {"vapid_key_file": str(bad), "subject": "mailto:ops@x.kr"}}
    with pytest.raises(NotifyConfigError, match="vapid_key_file"):
        build_channels(config)


def test_validate_only_does_not_create_keys(tmp_path: Path) -> None:
    models = validate_config({"webpush": {"vapid_key_file": "k.pem", "subject": "mailto:o@x.kr"}}, base_dir=tmp_path)
    assert models["webpush"].vapid_key_file == tmp_path / "k.pem"
    assert not (tmp_path / "k.pem").exists()

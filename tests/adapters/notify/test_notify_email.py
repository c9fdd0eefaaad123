"""E-mail through a real in-process SMTP server (aiosmtpd): both languages, headers, TLS, failure classes."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import Any

import pytest
from notify_support import SmtpHandler, SmtpServer, notification, self_signed_certificate

from maeul.adapters.notify._config import NotifyConfigError, parse_config
from maeul.adapters.notify.email import EmailChannel, EmailConfig, message_id, parse_address
from maeul.testing.ports import HOST, free_port

FROM = "alarm@city.example.kr"


def channel(port: int, **overrides: Any) -> EmailChannel:
    values: dict[str, Any] = {
        "host": HOST,
        "port": port,
        "security": "none",
        "from_address": FROM,
        "helo_name": "maeul.test",
        "timeout_s": 5,
    }
    values.update(overrides)
    return EmailChannel(parse_config(EmailConfig, values, "notify.email"))


def test_mail_arrives_in_both_languages_with_headers() -> None:
    n = notification("email", "홍길동 <gildong@example.kr>")
    with SmtpServer() as server:
        result = channel(server.port).deliver(n)
    assert result.ok, result
    (received,) = server.received
    assert received.mail_from == FROM and received.rcpt_tos == ["gildong@example.kr"]
    msg = received.message()
    assert msg["Subject"] == n.subject_ko
    assert msg["To"].addresses[0].display_name == "홍길동"
    assert msg["From"].addresses[0].addr_spec == FROM
    assert msg["Message-ID"] == f"<maeul.{n.id}@city.example.kr>" == result.detail["message_id"]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Content-Language"] == "ko, en"
    assert msg["X-Maeul-Notification-Id"] == n.id
    assert msg["Date"].datetime.timestamp() == n.created_at / 1000
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    text = plain.get_content()
    for part in (
        n.subject_ko,
        n.subject_en,
        "왕숙천 수위가 경보 기준(3.0m)을 넘었습니다.",
        "Now 3.2 m, measured 14:05.",
    ):
        assert part in text
    assert text.index(n.body_ko.splitlines()[0]) < text.index(n.body_en.splitlines()[0])
    page = html.get_content()
    assert '<div lang="ko">' in page and '<div lang="en">' in page and "현재 3.2m, 14:05 측정." in page
    # The raw message is 7-bit on the wire: Korean only in encoded words and base64/QP parts.
    assert all(byte < 0x80 for byte in received.content)


def test_english_preference_and_both_subjects() -> None:
    with SmtpServer() as server:
        ch = channel(server.port)
        assert ch.deliver(notification("email", "a@example.kr", language="en", id="n-en")).ok
        assert ch.deliver(notification("email", "a@example.kr", language="both", id="n-both")).ok
    en, both = (r.message() for r in server.received)
    assert en["Subject"] == "[Maeul] Water level alarm: Wangsukcheon 3.2 m"
    assert en["Content-Language"] == "en, ko"
    text = en.get_body(("plain",)).get_content()
    assert text.index("The Wangsukcheon") < text.index("왕숙천 수위가")
    assert both["Subject"] == "[마을] 수위 경보: 왕숙천 3.2m / [Maeul] Water level alarm: Wangsukcheon 3.2 m"


def test_retry_sends_the_same_message_id_and_date() -> None:
    n = notification("email", "a@example.kr")
    with SmtpServer() as server:
        ch = channel(server.port)
        assert ch.deliver(n).ok and ch.deliver(n).ok
    first, second = (r.message() for r in server.received)
    assert first["Message-ID"] == second["Message-ID"] and first["Date"] == second["Date"]


def test_starttls_and_login(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    with SmtpServer(tls=server_tls, logins={"alarm": "pw-1"}) as server:
        good = channel(server.port, security="starttls", ca_file=str(cert), username="alarm", password="pw-1")
        assert good.deliver(notification("email", "a@example.kr")).ok
        wrong = channel(server.port, security="starttls", ca_file=str(cert), username="alarm", password="nope")
        refused = wrong.deliver(notification("email", "a@example.kr"))
        untrusted = channel(server.port, security="starttls", username="alarm", password="pw-1")
        tls_failed = untrusted.deliver(notification("email", "a@example.kr"))
        plain = channel(server.port).deliver(notification("email", "a@example.kr"))
    assert len(server.received) == 1
    assert not refused.ok and refused.retryable and refused.status == "auth_failed", refused
    assert not tls_failed.ok and tls_failed.retryable and tls_failed.status == "tls_error", tls_failed
    assert not plain.ok and plain.retryable, plain  # the server insists on STARTTLS first


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # it is TLS: implicit
def test_implicit_tls(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    with SmtpServer(implicit_tls=server_tls, logins={"alarm": "pw-1"}) as server:
        ssl_channel = channel(server.port, security="ssl", ca_file=str(cert), username="alarm", password="pw-1")
        assert ssl_channel.deliver(notification("email", "a@example.kr")).ok
    assert len(server.received) == 1
    with SmtpServer() as plain_server:  # offers no AUTH at all
        no_auth = channel(plain_server.port, username="u", password="p", allow_insecure_login=True)
        refused = no_auth.deliver(notification("email", "a@example.kr"))
    assert not refused.ok and refused.retryable and refused.status == "auth_failed", refused


def test_refused_recipient_is_permanent_and_greylisting_retryable() -> None:
    handler = SmtpHandler({"nobody@example.kr": "550 5.1.1 No such user", "later@example.kr": "451 4.7.1 Try later"})
    with SmtpServer(handler) as server:
        ch = channel(server.port)
        unknown = ch.deliver(notification("email", "nobody@example.kr"))
        later = ch.deliver(notification("email", "later@example.kr"))
    assert not unknown.ok and not unknown.retryable and unknown.status == "invalid_recipient"
    assert unknown.detail["smtp_code"] == 550 and "No such user" in (unknown.error or "")
    assert not later.ok and later.retryable and later.detail["smtp_code"] == 451
    assert server.received == []


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "a@",
        "@example.kr",
        "a b@example.kr",
        "a@exa mple.kr",
        "a@example.kr\r\nBcc: x@evil.example",
        "홍@example.kr",
    ],
)
def test_invalid_address_is_permanent_without_connecting(address: str) -> None:
    result = channel(free_port()).deliver(notification("email", address))
    assert not result.ok and not result.retryable and result.status == "invalid_recipient", result


def test_idn_domain_is_encoded() -> None:
    assert parse_address("담당자 <ops@마을.한국>") == ("담당자", "ops", "xn--hz2bq0w.xn--3e0b707e")


def test_server_down_is_retryable() -> None:
    result = channel(free_port()).deliver(notification("email", "a@example.kr"))
    assert not result.ok and result.retryable and result.status == "connection_error", result


def test_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(1)  # accepts at kernel level, never greets
        result = channel(listener.getsockname()[1], timeout_s=0.3).deliver(notification("email", "a@example.kr"))
    assert not result.ok and result.retryable and result.status == "timeout", result


def test_message_id_for_ids_that_are_not_dot_atoms() -> None:
    assert message_id("abc.1", "x.kr") == "<maeul.abc.1@x.kr>"
    odd = message_id("tenant:42", "x.kr")
    assert odd.startswith("<maeul.") and ":" not in odd and odd == message_id("tenant:42", "x.kr")


def test_config_errors_are_clear() -> None:
    with pytest.raises(NotifyConfigError, match=r"notify\.email\.from_address: required"):
        parse_config(EmailConfig, {"host": "smtp.example"}, "notify.email")
    with pytest.raises(NotifyConfigError, match=r"notify\.email\.port: .*less than or equal to 65535"):
        parse_config(EmailConfig, {"host": "h", "port": 70000, "from_address": FROM}, "notify.email")
    with pytest.raises(NotifyConfigError, match="unencrypted"):
        parse_config(
            EmailConfig,
            {"host": "h", "security": "none", "from_address": FROM, "username": "u", "password": "p"},
            "notify.email",
        )
    with pytest.raises(NotifyConfigError, match=r"notify\.email\.colour: unknown setting"):
        parse_config(EmailConfig, {"host": "h", "from_address": FROM, "colour": "red"}, "notify.email")

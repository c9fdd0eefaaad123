"""E-mail over SMTP (stdlib smtplib): a Korean and English text/plain + text/html message, UTF-8.

The ``Message-ID`` is derived from the notification id, so every retry of one notification carries the
same id and ``Date`` (mail systems and people can recognise duplicates). Failure classes:

* recipient refused with 5xx, malformed address, DATA refused with 5xx: permanent;
* refused connection, timeout, TLS failure, 4xx replies, authentication failure, sender refused: retryable
  (these concern the server or the tenant's SMTP settings, which an operator can fix; the dispatcher's
  attempt limit and escalation decide when to give up).
"""

from __future__ import annotations

import hashlib
import html
import re
import smtplib
import socket
import ssl
from datetime import UTC, datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from maeul.adapters.notify._config import ConfigModel
from maeul.adapters.notify.message import (
    AUTH_FAILED,
    CONNECTION_ERROR,
    INVALID_RECIPIENT,
    REJECTED,
    SERVER_ERROR,
    TIMEOUT,
    TLS_ERROR,
    TRANSPORT_ERROR,
    DeliveryResult,
    Notification,
)
from maeul.platform.clock import now_ms

KST = timezone(timedelta(hours=9), "KST")
_LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_DOT_ATOM_RE = re.compile(r"[A-Za-z0-9._-]+")
_SEPARATOR = "\n\n" + "─" * 40 + "\n\n"


class EmailConfig(ConfigModel):
    """Where and how to submit mail. Login needs TLS unless ``allow_insecure_login`` (test servers only)."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    allow_insecure_login: bool = False
    from_address: str
    from_name: str = "마을 알림 (Maeul)"
    reply_to: str | None = None
    envelope_from: str | None = Field(default=None, description="Bounce address; default from_address.")
    helo_name: str | None = Field(default=None, description="EHLO name; default the host's FQDN.")
    ca_file: Path | None = Field(default=None, description="Trusted CA bundle; default the system's.")
    message_id_domain: str | None = Field(default=None, description="Default: the from_address domain.")
    timeout_s: float = Field(default=20.0, gt=0, le=300)

    @field_validator("from_address", "reply_to", "envelope_from")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _, local, domain = parse_address(value)
        return f"{local}@{domain}"

    @field_validator("from_name")
    @classmethod
    def _single_line(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError("must be a single line")
        return value

    @model_validator(mode="after")
    def _login(self) -> EmailConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        if self.username is not None and self.security == "none" and not self.allow_insecure_login:
            raise ValueError("login over an unencrypted connection: use security starttls or ssl")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise ValueError(f"ca_file {self.ca_file} does not exist")
        return self


def parse_address(text: str) -> tuple[str, str, str]:
    """``(display name, local part, ASCII domain)`` of ``addr@domain`` or ``Name <addr@domain>``."""
    if any(ch in text for ch in "\r\n\0"):
        raise ValueError("address contains a line break")
    text = text.strip()
    name = ""
    if text.endswith(">") and "<" in text:
        name, _, text = text[:-1].rpartition("<")
        name = name.strip().strip('"').strip()
    local, at, domain = text.strip().rpartition("@")
    if not at or not _LOCAL_RE.fullmatch(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError(f"{text!r} is not an e-mail address (ASCII local part expected)")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"{text!r}: invalid domain {domain!r}") from exc
    labels = ascii_domain.split(".")
    if len(ascii_domain) > 253 or not all(re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", x) for x in labels):
        raise ValueError(f"{text!r}: invalid domain {domain!r}")
    return name, local, ascii_domain


def message_id(notification_id: str, domain: str) -> str:
    """``<maeul.<id>@<domain>>``: the same for every attempt; a digest when the id is not a dot-atom."""
    part = notification_id
    if not _DOT_ATOM_RE.fullmatch(part) or ".." in part or part.endswith("."):
        part = hashlib.sha256(notification_id.encode()).hexdigest()[:32]
    return f"<maeul.{part}@{domain}>"


def render_text(n: Notification) -> str:
    """The text/plain body: each language's subject and body, the preferred language first."""
    sections = [f"{subject}\n\n{body}".strip() for _, subject, body in n.texts()]
    return _SEPARATOR.join(sections) + "\n"


def render_html(n: Notification) -> str:
    """The text/html alternative, each language in its own ``lang``-tagged block."""
    blocks = []
    for language, subject, body in n.texts():
        paragraphs = [p for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
        inner = "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
        heading = f"<h2>{html.escape(subject)}</h2>\n" if subject else ""
        blocks.append(f'<div lang="{language}">\n{heading}{inner}</div>\n')
    return (
        f'<!DOCTYPE html>\n<html lang="{n.primary_language}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(n.combined_subject())}</title></head>\n<body>\n"
        + "<hr>\n".join(blocks)
        + "</body>\n</html>\n"
    )


def build_message(n: Notification, config: EmailConfig) -> EmailMessage:
    """The complete message for ``n`` (raises ValueError for an unusable recipient address)."""
    name, local, domain = parse_address(n.recipient)
    _, from_local, from_domain = parse_address(config.from_address)
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = n.combined_subject()
    msg["From"] = Address(display_name=config.from_name, username=from_local, domain=from_domain)
    msg["To"] = Address(display_name=name, username=local, domain=domain)
    if config.reply_to:
        msg["Reply-To"] = config.reply_to
    created = n.created_at or now_ms()
    msg["Date"] = format_datetime(datetime.fromtimestamp(created / 1000, tz=UTC).astimezone(KST))
    msg["Message-ID"] = message_id(n.id, config.message_id_domain or from_domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Maeul-Notification-Id"] = n.id
    msg.set_content(render_text(n), subtype="plain", charset="utf-8")
    msg.add_alternative(render_html(n), subtype="html", charset="utf-8")
    msg["Content-Language"] = ", ".join(language for language, _, _ in n.texts())  # after set_content clears it
    return msg


class EmailChannel:
    """Sends each notification in its own SMTP session (no connection is kept between attempts)."""

    name = "email"

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    def deliver(self, n: Notification) -> DeliveryResult:
        try:
            msg = build_message(n, self.config)
        except ValueError as exc:
            return DeliveryResult.permanent(INVALID_RECIPIENT, str(exc))
        _, local, domain = parse_address(n.recipient)
        rcpt = f"{local}@{domain}"
        sender = self.config.envelope_from or self.config.from_address
        detail = {"message_id": msg["Message-ID"], "server": f"{self.config.host}:{self.config.port}"}
        try:
            smtp = self._connect()
        except Exception as exc:
            return _failure(exc, rcpt, detail)
        try:
            if self.config.username is not None and self.config.password is not None:
                smtp.login(self.config.username, self.config.password.get_secret_value())
            smtp.send_message(msg, from_addr=sender, to_addrs=[rcpt])
        except Exception as exc:
            return _failure(exc, rcpt, detail)
        finally:
            _quit(smtp)
        return DeliveryResult.delivered(**detail)

    def close(self) -> None:
        """Nothing to release: every delivery opens and closes its own session."""

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.security == "ssl":
            return smtplib.SMTP_SSL(
                cfg.host, cfg.port, local_hostname=cfg.helo_name, timeout=cfg.timeout_s, context=self._tls()
            )
        smtp = smtplib.SMTP(cfg.host, cfg.port, local_hostname=cfg.helo_name, timeout=cfg.timeout_s)
        try:
            if cfg.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=self._tls())
                smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        cafile = str(self.config.ca_file) if self.config.ca_file else None
        return ssl.create_default_context(cafile=cafile)


def _failure(exc: Exception, rcpt: str, detail: dict[str, Any]) -> DeliveryResult:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = exc.recipients.get(rcpt, (0, b""))
        text = f"recipient refused: {code} {_text(reply)}"
        if 500 <= code < 600:
            return DeliveryResult.permanent(INVALID_RECIPIENT, text, smtp_code=code, **detail)
        return DeliveryResult.retry(SERVER_ERROR, text, smtp_code=code, **detail)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryResult.retry(AUTH_FAILED, f"login refused: {exc.smtp_code} {_text(exc.smtp_error)}", **detail)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        text = f"sender {exc.sender} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
        return DeliveryResult.retry(REJECTED, text, smtp_code=exc.smtp_code, **detail)
    if isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600:
        text = f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}"
        return DeliveryResult.permanent(REJECTED, text, smtp_code=exc.smtp_code, **detail)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
        return DeliveryResult.retry(SERVER_ERROR, text, smtp_code=exc.smtp_code, **detail)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        status = AUTH_FAILED if "AUTH" in str(exc).upper() else TLS_ERROR
        return DeliveryResult.retry(status, f"server does not offer it: {exc}", **detail)
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
        return DeliveryResult.retry(TIMEOUT, f"timed out: {exc}", **detail)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryResult.retry(CONNECTION_ERROR, f"server disconnected: {exc}", **detail)
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return DeliveryResult.retry(TLS_ERROR, f"TLS failed: {exc}", **detail)
    if isinstance(exc, TimeoutError | socket.timeout):
        return DeliveryResult.retry(TIMEOUT, f"timed out: {exc or 'no reply'}", **detail)
    if isinstance(exc, smtplib.SMTPException):
        return DeliveryResult.retry(TRANSPORT_ERROR, f"{type(exc).__name__}: {exc}", **detail)
    if isinstance(exc, OSError):
        return DeliveryResult.retry(CONNECTION_ERROR, f"cannot connect: {exc}", **detail)
    if isinstance(exc, UnicodeError):
        return DeliveryResult.permanent(INVALID_RECIPIENT, f"cannot encode the message: {exc}", **detail)
    raise exc


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)

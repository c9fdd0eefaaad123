"""Test doubles that are real servers: an HTTP receiver, an SMTP server, a push service's decryption."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from maeul.adapters.notify.message import Notification
from maeul.adapters.notify.webpush import b64url, b64url_decode
from maeul.testing.ports import HOST, free_port


def notification(channel: str, recipient: str, **overrides: Any) -> Notification:
    """A typical water-level alarm notification in both languages."""
    values: dict[str, Any] = {
        "id": "ntf-01J9ZK7Q4W",
        "channel": channel,
        "recipient": recipient,
        "subject_ko": "[마을] 수위 경보: 왕숙천 3.2m",
        "subject_en": "[Maeul] Water level alarm: Wangsukcheon 3.2 m",
        "body_ko": "왕숙천 수위가 경보 기준(3.0m)을 넘었습니다.\n현재 3.2m, 14:05 측정.",
        "body_en": "The Wangsukcheon water level exceeded the alarm threshold (3.0 m).\nNow 3.2 m, measured 14:05.",
        "language": "ko",
        "data": {"alarm_id": 42, "type": "threshold", "severity": "critical", "links": ["https://maeul.example/a/42"]},
        "created_at": 1_760_000_000_000,
    }
    values.update(overrides)
    return Notification(**values)


# ---------------------------------------------------------------- HTTP receiver


@dataclass
class Recorded:
    """One request as the receiver saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


Responder = Callable[[Recorded], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the request threads: no thread outlives the receiver
    block_on_close = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up (timeouts) make writes fail; that is expected here."""


class Receiver:
    """A real HTTP server on 127.0.0.1 in a thread; ``respond`` decides each reply; requests are kept."""

    def __init__(self, respond: Responder | None = None, port: int | None = None) -> None:
        self.respond = respond or (lambda request: Reply(200, {}, b'{"ok": true}'))
        self.port = port or free_port()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Recorded(self.command, self.path, headers, body)
                with receiver._lock:
                    receiver.requests.append(request)
                reply = receiver.respond(request)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_POST = do_PUT = do_GET = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server((HOST, self.port), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="notify-receiver", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class DedupReceiver:
    """A webhook receiver as the spec asks for: verifies, then processes each Idempotency-Key once."""

    def __init__(self, verify: Callable[[Recorded], bool]) -> None:
        self.verify = verify
        self.processed: list[str] = []
        self.duplicates = 0

    def __call__(self, request: Recorded) -> Reply:
        if not self.verify(request):
            return Reply(401, {}, b"bad signature")
        key = request.header("Idempotency-Key") or ""
        if key in self.processed:
            self.duplicates += 1
        else:
            self.processed.append(key)
        return Reply(200, {}, b"{}")


# ---------------------------------------------------------------- SMTP server


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def message(self) -> Any:
        """The parsed message (an EmailMessage with header objects: ``msg["To"].addresses``)."""
        msg = message_from_bytes(self.content, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        return msg


class SmtpHandler:
    """Accepts everything except the recipients listed in ``refuse`` (address -> SMTP reply)."""

    def __init__(self, refuse: dict[str, str] | None = None) -> None:
        self.refuse = refuse or {}
        self.received: list[Received] = []

    async def handle_RCPT(
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a free loopback port: ``tls`` requires STARTTLS, ``implicit_tls`` is TLS from the start
    (port 465 style), ``logins`` requires AUTH."""

    def __init__(
        self,
        handler: SmtpHandler | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        logins: dict[str, str] | None = None,
    ) -> None:
        self.handler = handler or SmtpHandler()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        if implicit_tls is not None:
            # aiosmtpd only counts STARTTLS as TLS for AUTH; this connection is encrypted from the start.
            kwargs.update(ssl_context=implicit_tls, auth_require_tls=False)
        if logins is not None:
            kwargs.update(auth_required=True, authenticator=self._authenticator(logins))
        self.controller = Controller(self.handler, hostname=HOST, port=self.port, **kwargs)

    @staticmethod
    def _authenticator(logins: dict[str, str]) -> Callable[..., AuthResult]:
        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and logins.get(data.login.decode()) == data.password.decode()
            return AuthResult(success=ok, handled=False)

        return authenticate

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 / localhost and its key, as PEM files (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "maeul test smtp")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


# ---------------------------------------------------------------- Web Push: what the browser and push service do


@dataclass
class BrowserSubscription:
    """A user agent's push subscription: its private ECDH key stays here, the JSON goes to the server."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def to_json(self) -> str:
        keys = {"p256dh": b64url(self.public_bytes), "auth": b64url(self.auth)}
        return orjson.dumps({"endpoint": self.endpoint, "expirationTime": None, "keys": keys}).decode()


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt_aes128gcm(body: bytes, ua_private: ec.EllipticCurvePrivateKey, auth: bytes) -> bytes:
    """The user agent's side of RFC 8291 / RFC 8188, written separately from the sender's code."""
    salt, record_size, id_len = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    as_public = body[21 : 21 + id_len]
    ua_public = ua_private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    shared = ua_private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public))
    ikm = _hkdf(auth, shared, b"WebPush: info\x00" + ua_public + as_public, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    base_nonce = int.from_bytes(_hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12), "big")
    ciphertext = body[21 + id_len :]
    records = [ciphertext[i : i + record_size] for i in range(0, len(ciphertext), record_size)]
    plaintext = b""
    for seq, record in enumerate(records):
        nonce = (base_nonce ^ seq).to_bytes(12, "big")
        padded = AESGCM(cek).decrypt(nonce, record, None)
        unpadded = padded.rstrip(b"\x00")
        last = seq == len(records) - 1
        assert unpadded[-1:] == (b"\x02" if last else b"\x01"), "bad padding delimiter"
        plaintext += unpadded[:-1]
    return plaintext


def verify_vapid(authorization: str, audience: str) -> tuple[dict[str, Any], str]:
    """Checks ``vapid t=<jwt>, k=<key>`` as a push service does; returns (claims, k)."""
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = values["t"], values["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    assert orjson.loads(b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    raw = b64url_decode(signature_b64)
    assert len(raw) == 64
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public_key.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = orjson.loads(b64url_decode(claims_b64))
    assert claims["aud"] == audience
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"].startswith(("mailto:", "https://"))
    return claims, key

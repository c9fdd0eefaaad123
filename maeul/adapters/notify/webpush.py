"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm message encryption (RFC 8291, RFC 8188).

The recipient is the browser's ``PushSubscription`` as JSON:
``{"endpoint": "https://...", "keys": {"p256dh": "<base64url>", "auth": "<base64url>"}}``.
The push service answering 404 or 410 means the subscription is gone: a permanent failure with
``detail["unsubscribe"] = True`` so the caller can delete it. Every attempt sends the same ``Topic``
(derived from the notification id), so a retry replaces a copy still queued at the push service.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import Field, field_validator

from maeul.adapters.notify import _http
from maeul.adapters.notify._config import ConfigModel
from maeul.adapters.notify.message import (
    INTERNAL_ERROR,
    INVALID_RECIPIENT,
    PAYLOAD_TOO_LARGE,
    SUBSCRIPTION_GONE,
    DeliveryResult,
    Notification,
)
from maeul.platform.clock import now_ms

log = logging.getLogger("maeul.notify")

RECORD_SIZE = 4096
# A push service must accept 4096 bytes of body: 86 bytes of header (salt, rs, key id), 16 of GCM tag, 1 delimiter.
MAX_PLAINTEXT = RECORD_SIZE - 86 - 16 - 1
JWT_LIFETIME_S = 12 * 3600
Urgency = Literal["very-low", "low", "normal", "high"]
_SEVERITY_URGENCY: dict[str, Urgency] = {
    "critical": "high",
    "emergency": "high",
    "major": "high",
    "high": "high",
    "warning": "normal",
    "minor": "normal",
    "medium": "normal",
    "normal": "normal",
    "info": "low",
    "low": "low",
}


def b64url(data: bytes) -> str:
    """Base64url without padding (as Web Push and JWT use it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url`; accepts padded input and standard-alphabet characters too."""
    cleaned = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))


class VapidKey:
    """The application server's P-256 key pair: signs VAPID JWTs; its public key goes to the browser."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("a VAPID key must be on curve P-256")
        self._key = private_key

    @classmethod
    def generate(cls) -> VapidKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def load(cls, path: Path) -> VapidKey:
        """Read a PEM (PKCS#8) key written by :meth:`load_or_create`."""
        path = Path(path)
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("VAPID key file %s is readable by others (mode %o); it should be 0600", path, mode)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} does not hold an EC private key")
        return cls(key)

    @classmethod
    def load_or_create(cls, path: Path) -> VapidKey:
        """The key stored at ``path``; generated and written (mode 0600, atomically) on first use."""
        path = Path(path)
        if not path.exists():
            cls.generate()._store(path)
        return cls.load(path)

    def _store(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp_name, 0o600)
            with contextlib.suppress(FileExistsError):  # never replace a key another process created meanwhile
                os.link(tmp_name, path)
        finally:
            Path(tmp_name).unlink(missing_ok=True)
        log.info("generated a new VAPID key in %s", path)

    def public_key_bytes(self) -> bytes:
        """The uncompressed P-256 point (65 bytes)."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def public_key_b64url(self) -> str:
        """The browser's ``applicationServerKey`` (and the ``k=`` of the Authorization header)."""
        return b64url(self.public_key_bytes())

    def jwt(self, audience: str, subject: str, expires_at: int) -> str:
        """An ES256 JWT with ``aud``, ``exp`` and ``sub`` claims (RFC 8292 section 2)."""
        header = b64url(orjson.dumps({"typ": "JWT", "alg": "ES256"}))
        claims = b64url(orjson.dumps({"aud": audience, "exp": expires_at, "sub": subject}))
        signing_input = f"{header}.{claims}".encode("ascii")
        r, s = decode_dss_signature(self._key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return f"{header}.{claims}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def authorization(self, endpoint: str, subject: str, now: float | None = None) -> str:
        """The ``Authorization: vapid t=<jwt>, k=<public key>`` value for a request to ``endpoint``."""
        expires_at = int(time.time() if now is None else now) + JWT_LIFETIME_S
        return f"vapid t={self.jwt(origin(endpoint), subject, expires_at)}, k={self.public_key_b64url()}"


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the JWT audience."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2].lower()
    return f"{parts.scheme.lower()}://{netloc}"


@dataclass(frozen=True)
class PushSubscription:
    """A browser's subscription: where to POST, its ECDH public key and its 16-byte auth secret."""

    endpoint: str
    p256dh: bytes
    auth: bytes
    expiration_ms: int | None = None

    @classmethod
    def parse(cls, text: str) -> PushSubscription:
        """From ``PushSubscription.toJSON()`` output; ValueError when anything is missing or malformed."""
        try:
            doc = orjson.loads(text)
            endpoint, keys = doc["endpoint"], doc["keys"]
            p256dh, auth = b64url_decode(keys["p256dh"]), b64url_decode(keys["auth"])
            expiration = doc.get("expirationTime")
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"not a push subscription: {type(exc).__name__} {exc}") from exc
        if not isinstance(endpoint, str) or not endpoint:
            raise ValueError("push subscription without endpoint")
        if len(p256dh) != 65 or p256dh[0] != 4:
            raise ValueError("p256dh is not an uncompressed P-256 point")
        if len(auth) != 16:
            raise ValueError("auth secret must be 16 bytes")
        if expiration is not None and not isinstance(expiration, int | float):
            raise ValueError("expirationTime must be a number or null")
        return cls(endpoint, p256dh, auth, int(expiration) if expiration is not None else None)


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def encrypt(
    plaintext: bytes,
    ua_public: bytes,
    auth_secret: bytes,
    *,
    salt: bytes | None = None,
    sender_key: ec.EllipticCurvePrivateKey | None = None,
    record_size: int = RECORD_SIZE,
) -> bytes:
    """The aes128gcm body for a subscription (RFC 8291 section 3.4; one record, no padding).

    ``salt`` and ``sender_key`` are fresh random values unless given (tests pin them to known vectors).
    """
    if len(auth_secret) != 16:
        raise ValueError("auth secret must be 16 bytes")
    ua_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    sender = sender_key or ec.generate_private_key(ec.SECP256R1())
    as_public = sender.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    salt = os.urandom(16) if salt is None else salt
    if len(salt) != 16:
        raise ValueError("salt must be 16 bytes")
    if len(plaintext) + 1 + 16 > record_size:
        raise ValueError(f"payload of {len(plaintext)} bytes does not fit a {record_size}-byte record")
    ecdh_secret = sender.exchange(ec.ECDH(), ua_key)
    # RFC 8291 3.3: IKM = HKDF(salt=auth_secret, ikm=ecdh_secret, info="WebPush: info" 0x00 ua_public as_public, L=32)
    prk_key = _hmac(auth_secret, ecdh_secret)
    ikm = _hmac(prk_key, b"WebPush: info\x00" + ua_public + as_public + b"\x01")
    # RFC 8188 2.2/2.3: CEK and NONCE from HKDF(salt, IKM); one-block HKDF-Expand is HMAC(PRK, info || 0x01).
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)  # 0x02: the last (only) record
    header = salt + record_size.to_bytes(4, "big") + bytes([len(as_public)]) + as_public
    return header + ciphertext


def webpush_payload(n: Notification) -> dict[str, Any]:
    """What the service worker receives: display title/body in the preferred language and both texts."""
    both = "\n\n".join(b for b in (n.body_ko, n.body_en) if b)
    body = both if n.language == "both" else n.body(n.primary_language)
    return {
        "id": n.id,
        "created_at": n.created_at,
        "lang": n.primary_language,
        "title": n.combined_subject(),
        "body": body,
        "ko": {"title": n.subject_ko, "body": n.body_ko},
        "en": {"title": n.subject_en, "body": n.body_en},
        "data": n.data,
    }


def fit_payload(payload: dict[str, Any], limit: int = MAX_PLAINTEXT) -> bytes:
    """``payload`` as JSON within ``limit`` bytes: drops nested data, then the per-language texts,
    then shortens the body and title (ending with "…"). ValueError if even that does not fit."""
    encoded = orjson.dumps(payload)
    if len(encoded) <= limit:
        return encoded
    slim = dict(payload)
    data = slim.get("data") or {}
    slim["data"] = {k: v for k, v in data.items() if isinstance(v, str | int | float | bool) and len(str(v)) <= 200}
    for key in (None, "ko", "en"):
        if key is not None:
            slim.pop(key, None)
        encoded = orjson.dumps(slim)
        if len(encoded) <= limit:
            return encoded
    for key in ("body", "title"):
        text = str(slim.get(key, ""))
        low, high = 0, len(text)
        while low < high:  # the longest prefix that fits
            mid = (low + high + 1) // 2
            slim[key] = text[:mid] + "…"
            if len(orjson.dumps(slim)) <= limit:
                low = mid
            else:
                high = mid - 1
        slim[key] = text[:low] + "…" if low < len(text) else text
        encoded = orjson.dumps(slim)
        if len(encoded) <= limit:
            return encoded
    raise ValueError(f"push payload cannot be made to fit {limit} bytes")


def topic(notification_id: str) -> str:
    """The ``Topic`` header: 32 base64url characters derived from the notification id."""
    return b64url(hashlib.sha256(notification_id.encode()).digest())[:32]


def urgency(n: Notification) -> Urgency:
    """RFC 8030 ``Urgency`` from ``data["severity"]`` (``normal`` when unknown)."""
    return _SEVERITY_URGENCY.get(str(n.data.get("severity", "")).lower(), "normal")


class WebPushConfig(ConfigModel):
    """VAPID key file and contact, message lifetime, and which endpoints are acceptable."""

    vapid_key_file: Path
    subject: str = Field(description="Contact for the push service: mailto:... or https://...")
    ttl_s: int = Field(default=24 * 3600, ge=0, le=28 * 24 * 3600)
    urgency: Literal["auto", "very-low", "low", "normal", "high"] = "auto"
    endpoint_hosts: list[str] | None = Field(
        default=None, description="If set, endpoint hosts must be one of these or a subdomain of one."
    )
    allow_insecure_endpoints: bool = Field(default=False, description="Allow http:// endpoints (tests only).")
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    connect_timeout_s: float = Field(default=5.0, gt=0, le=60)
    proxy: str | None = Field(default=None, description="http://host:port of an outbound proxy, if required.")

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        if not value.startswith(("mailto:", "https://")) or any(ch.isspace() for ch in value):
            raise ValueError("must be a mailto: or https:// URI (RFC 8292 section 2.1)")
        return value


class WebPushChannel:
    """Encrypts :func:`webpush_payload` for the subscription and POSTs it with a VAPID Authorization."""

    name = "webpush"

    def __init__(
        self,
        config: WebPushConfig,
        *,
        vapid: VapidKey | None = None,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.vapid = vapid or VapidKey.load_or_create(config.vapid_key_file)
        self._client = client or _http.make_client(config.timeout_s, config.connect_timeout_s, config.proxy)
        self._clock = clock

    def public_key_b64url(self) -> str:
        return self.vapid.public_key_b64url()

    def deliver(self, n: Notification) -> DeliveryResult:
        try:
            sub = PushSubscription.parse(n.recipient)
            self._check_endpoint(sub.endpoint)
        except ValueError as exc:
            return DeliveryResult.permanent(INVALID_RECIPIENT, str(exc))
        if sub.expiration_ms is not None and sub.expiration_ms <= now_ms():
            return DeliveryResult.permanent(SUBSCRIPTION_GONE, "push subscription expired", unsubscribe=True)
        try:
            plaintext = fit_payload(webpush_payload(n))
        except ValueError as exc:
            return DeliveryResult.permanent(PAYLOAD_TOO_LARGE, str(exc))
        except TypeError as exc:
            return DeliveryResult.permanent(INTERNAL_ERROR, f"notification data is not JSON-serialisable: {exc}")
        try:
            body = encrypt(plaintext, sub.p256dh, sub.auth)
        except ValueError as exc:
            return DeliveryResult.permanent(INVALID_RECIPIENT, f"unusable subscription keys: {exc}")
        headers = {
            "Authorization": self.vapid.authorization(sub.endpoint, self.config.subject, now=self._clock()),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(self.config.ttl_s),
            "Urgency": urgency(n) if self.config.urgency == "auto" else self.config.urgency,
            "Topic": topic(n.id),
        }
        response = _http.send(self._client, "POST", sub.endpoint, content=body, headers=headers)
        if isinstance(response, DeliveryResult):
            return response
        code = response.status_code
        if code in (404, 410):
            return DeliveryResult.permanent(
                SUBSCRIPTION_GONE, f"push subscription gone (HTTP {code})", http_status=code, unsubscribe=True
            )
        if code == 413:
            return DeliveryResult.permanent(PAYLOAD_TOO_LARGE, "push service refused the payload size (HTTP 413)")
        result = _http.classify(response)
        if result.ok and response.headers.get("Location"):
            result.detail["message_url"] = response.headers["Location"]
        return result

    def close(self) -> None:
        self._client.close()

    def _check_endpoint(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        allowed = ("https", "http") if self.config.allow_insecure_endpoints else ("https",)
        if parts.scheme not in allowed or not parts.hostname:
            raise ValueError(f"push endpoint must be an https:// URL, not {endpoint[:80]!r}")
        hosts = self.config.endpoint_hosts
        host = parts.hostname.lower()
        if hosts is not None and not any(host == h.lower() or host.endswith("." + h.lower()) for h in hosts):
            raise ValueError(f"push endpoint host {host} is not an accepted push service")

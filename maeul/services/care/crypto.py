"""Encryption of personal data at rest: AES-256-GCM, one random 96-bit nonce per value, associated data binding
the value to its tenant, table, row and column, the key in a file of the data directory (outside the database).

A stored value reads ``v1.<key id>.<base64url(nonce || ciphertext || tag)>``. The key file is created at first
use with mode 0600; a database copied without it is unreadable. A value altered, or moved to another row or
column, fails authentication and raises :class:`Tampered` instead of returning wrong data.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE = "care-personal-data.key"
VERSION = "v1"
_NONCE = 12


class Tampered(ValueError):
    """A stored value does not authenticate: altered, moved to another row, or encrypted under another key."""


def new_uid() -> str:
    """The random identity of a row, bound into the associated data of its encrypted values."""
    return secrets.token_hex(16)


def _load_or_create_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != 32:
            raise ValueError(f"{path}: the care data key must be 32 bytes, found {len(key)}") from None
        return key
    key = AESGCM.generate_key(bit_length=256)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


class FieldCipher:
    """Encrypts and decrypts single values (text or JSON) bound to (tenant, table, row uid, column)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"maeul-care-key-id" + key).hexdigest()[:8]

    @staticmethod
    def _aad(tenant_id: str, table: str, uid: str, column: str) -> bytes:
        return "\x1f".join(("maeul-care", tenant_id, table, uid, column)).encode()

    def seal(self, value: Any, *, tenant_id: str, table: str, uid: str, column: str) -> str | None:
        """The stored form of ``value`` (None stays None: nothing to hide)."""
        if value is None:
            return None
        nonce = os.urandom(_NONCE)
        plain = orjson.dumps(value)
        sealed = self._aead.encrypt(nonce, plain, self._aad(tenant_id, table, uid, column))
        return f"{VERSION}.{self.key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, stored: str | None, *, tenant_id: str, table: str, uid: str, column: str) -> Any:
        """The value ``stored`` holds; raises :class:`Tampered` if it does not authenticate."""
        if stored is None:
            return None
        try:
            version, key_id, body = stored.split(".", 2)
            raw = base64.urlsafe_b64decode(body.encode())
        except (ValueError, TypeError):
            raise Tampered(f"{table}.{column}: not an encrypted value") from None
        if version != VERSION:
            raise Tampered(f"{table}.{column}: unknown format {version!r}")
        if key_id != self.key_id:
            raise Tampered(f"{table}.{column}: encrypted under another key ({key_id})")
        try:
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], self._aad(tenant_id, table, uid, column))
        except InvalidTag:
            raise Tampered(f"{table}.{column}: the value does not authenticate (altered or moved)") from None
        return orjson.loads(plain)


_CIPHERS: dict[Path, FieldCipher] = {}
_LOCK = threading.Lock()


def cipher_for(data_dir: Path) -> FieldCipher:
    """The cipher of a data directory; its key file is created (0600) on first use."""
    path = (data_dir / KEY_FILE).resolve()
    with _LOCK:
        cipher = _CIPHERS.get(path)
        if cipher is None or not path.exists():
            cipher = FieldCipher(_load_or_create_key(path))
            _CIPHERS[path] = cipher
        return cipher

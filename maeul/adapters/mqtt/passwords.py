"""Mosquitto 2.x password-file hashes (``$7$``: PBKDF2-SHA512), as written by ``mosquitto_passwd``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

SALT_BYTES = 12  # Mosquitto 2.0 drops a password-file entry whose salt is not exactly 12 bytes
DEFAULT_ITERATIONS = 101  # what mosquitto_passwd 2.0 writes
_PREFIX = "$7$"


def mosquitto_password_hash(password: str, *, salt: bytes | None = None, iterations: int = DEFAULT_ITERATIONS) -> str:
    """Hash ``password`` as ``$7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512(password, salt)>``."""
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    if salt is None:
        salt = os.urandom(SALT_BYTES)
    if len(salt) != SALT_BYTES:
        raise ValueError(f"salt must be exactly {SALT_BYTES} bytes: Mosquitto ignores the entry otherwise")
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return f"{_PREFIX}{iterations}${_b64(salt)}${_b64(digest)}"


def verify_mosquitto_password(password: str, password_hash: str) -> bool:
    """True if ``password`` matches a ``$7$`` hash (as Mosquitto checks it); False for anything else."""
    if not password_hash.startswith(_PREFIX):
        return False
    fields = password_hash[len(_PREFIX) :].split("$")
    if len(fields) != 3 or not fields[0].isascii() or not fields[0].isdigit():
        return False
    try:
        salt = base64.b64decode(fields[1], validate=True)
        expected = base64.b64decode(fields[2], validate=True)
    except (binascii.Error, ValueError):
        return False
    iterations = int(fields[0])
    if iterations < 1 or not salt:
        return False
    actual = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

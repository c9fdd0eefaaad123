"""Tokens and passwords: generation, argon2 hashing for passwords, SHA-256 digests for random tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new secret: ``token`` is shown once; only ``digest`` and ``prefix`` are stored."""

    token: str
    digest: str
    prefix: str


def token_digest(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 digest is a safe lookup key."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(kind: str) -> IssuedToken:
    """``kind`` is a short readable prefix: ``dev`` (device), ``usr`` (session), ``key`` (API key)."""
    token = f"mau_{kind}_{secrets.token_urlsafe(32)}"
    return IssuedToken(token, token_digest(token), token[: len(kind) + 9])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    return secrets.token_urlsafe(12)

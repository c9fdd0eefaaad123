"""Cookies of the web pages: the session, the CSRF token (double submit), safe redirects."""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.requests import Request
from starlette.responses import Response

from maeul.adapters.http.deps import SESSION_COOKIE

CSRF_COOKIE = "maeul_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(request: Request) -> str:
    """The visitor's CSRF token: from the cookie, or a new one (set on the response by :func:`set_csrf_cookie`)."""
    existing = getattr(request.state, "csrf", None)
    if isinstance(existing, str):
        return existing
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    request.state.csrf = token
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "csrf", None)
    if isinstance(token, str) and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=is_https(request), path="/")


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


async def form_data(request: Request) -> dict[str, Any]:
    """The submitted fields: an HTML form (urlencoded or multipart) or a JSON object (scripts, tests)."""
    cached = getattr(request.state, "form_data", None)
    if isinstance(cached, dict):
        return cached
    content_type = request.headers.get("content-type", "")
    data: dict[str, Any] = {}
    if content_type.startswith("application/json"):
        body = await request.body()
        parsed = orjson.loads(body) if body else {}
        data = parsed if isinstance(parsed, dict) else {}
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for key, value in form.multi_items():
            data[key] = value
    request.state.form_data = data
    return data


async def check_csrf(request: Request) -> bool:
    """A state-changing request carries the CSRF token of its cookie, in the form or the X-CSRF-Token header."""
    if request.method in SAFE_METHODS:
        return True
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        return False
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        value = (await form_data(request)).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent.encode(), cookie.encode())


def set_session_cookie(request: Request, response: Response, token: str, max_age_s: int) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age_s, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to after a form; anything pointing elsewhere gives ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target

"""Rendering pages: one Jinja2 environment per language over the shell's and every enabled service's templates.

``render(request, "care/home.html", {...})`` gives an HTMLResponse whose context already holds the language,
the signed-in user, the navigation of the area (console or portal), the CSRF token and the display options.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from maeul.adapters.sql import accounts
from maeul.platform.app import Platform
from maeul.services.spec import NavItem
from maeul.web import nav
from maeul.web.auth import current_actor
from maeul.web.i18n import LANGUAGE_NAMES, LANGUAGES, pick, request_language, translations
from maeul.web.security import CSRF_FIELD, csrf_token, set_csrf_cookie

TEMPLATES = Path(__file__).parent / "templates"
TEXT_COOKIE = "maeul_text"
DEFAULT_TIMEZONE = "Asia/Seoul"

# Pages are served with a strict policy: scripts only from this server (no inline scripts), no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _environment(loader: ChoiceLoader, language: str) -> Environment:
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]

    def when(ms: int | None, timezone: str = DEFAULT_TIMEZONE, fmt: str = "short") -> str:
        if ms is None:
            return "—"
        moment = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(timezone))
        return str(format_datetime(moment, format=fmt, locale=language))

    def number(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "—" if value is None else str(value)
        return str(format_decimal(value, locale=language))

    env.filters["when"] = when
    env.filters["number"] = number
    env.globals["pick"] = lambda ko, en: pick(language, ko, en)
    return env


class Web:
    """The web shell of one app: template environments and navigation, built from the enabled services."""

    def __init__(self, platform: Platform, extra_templates: list[Path] | None = None) -> None:
        folders = [TEMPLATES, *(s.templates for s in platform.services if s.templates is not None)]
        folders += extra_templates or []
        loader = ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders])
        self.platform = platform
        self.environments = {language: _environment(loader, language) for language in LANGUAGES}
        self.nav_items: list[NavItem] = nav.all_items(platform.services)

    def environment(self, language: str) -> Environment:
        return self.environments[language]


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def area_of(path: str) -> str:
    return "portal" if path == "/portal" or path.startswith("/portal/") else "console"


def base_context(request: Request) -> dict[str, Any]:
    """What every page's template sees (a service's page may add to it)."""
    web = web_of(request)
    language = request_language(request)
    actor = current_actor(request)
    path = request.url.path
    area = area_of(path)
    items = nav.visible(web.nav_items, "portal" if area == "portal" else "console", actor.role if actor else None)
    timezone = DEFAULT_TIMEZONE
    tenant_name = None
    if actor is not None:
        with web.platform.engine.connect() as conn:
            tenant = accounts.get_tenant(conn, actor.tenant_id)
        timezone = tenant["timezone"]
        tenant_name = pick(language, tenant["name"], tenant.get("name_en") or tenant["name"])
    return {
        "request": request,
        "lang": language,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "actor": actor,
        "tenant_name": tenant_name,
        "timezone": timezone,
        "area": area,
        "nav": nav.links(items, language, path),
        "path": path,
        "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        "csrf_token": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "large_text": request.cookies.get(TEXT_COOKIE) == "large",
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a template of the shell or of a service into a page (with the CSRF cookie and security headers)."""
    values = base_context(request)
    values.update(context or {})
    html = web_of(request).environment(values["lang"]).get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers={**SECURITY_HEADERS, **(headers or {})})
    set_csrf_cookie(request, response)
    return response

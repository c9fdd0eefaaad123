"""The shell's own pages: sign-in and sign-out, the display preferences (language, text size), the start pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql import accounts
from maeul.platform.app import Platform
from maeul.platform.secrets import verify_password
from maeul.web.auth import current_actor, public_form
from maeul.web.errors import WebRoute, wants_html
from maeul.web.i18n import LANG_COOKIE, LANGUAGES, request_language, translate
from maeul.web.render import TEXT_COOKIE, render
from maeul.web.security import clear_session_cookie, form_data, safe_next, set_session_cookie

router = APIRouter(route_class=WebRoute, include_in_schema=False)
YEAR_S = 365 * 24 * 3600
PublicForm = Annotated[None, Depends(public_form)]


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


@router.post("/prefs")
async def preferences(request: Request, _csrf: PublicForm) -> Response:
    """Remember the language and the text size in cookies, then go back to the page."""
    form = await form_data(request)
    response = RedirectResponse(safe_next(_text(form.get("next")), "/portal"), status_code=303)
    if _text(form.get("lang")) in LANGUAGES:
        response.set_cookie(LANG_COOKIE, _text(form.get("lang")), max_age=YEAR_S, samesite="lax", path="/")
    if _text(form.get("text")) in ("large", "normal"):
        response.set_cookie(TEXT_COOKIE, _text(form.get("text")), max_age=YEAR_S, samesite="lax", path="/")
    return response


def _tenant_choices(request: Request) -> list[dict[str, Any]]:
    with _platform(request).engine.connect() as conn:
        return accounts.list_tenants(conn)


@router.get("/console/sign-in")
def sign_in_page(request: Request, next: str = "/console") -> Response:
    if current_actor(request) is not None:
        return RedirectResponse(safe_next(next, "/console"), status_code=303)
    tenants = _tenant_choices(request)
    context: dict[str, Any] = {"next": safe_next(next, "/console"), "tenants": tenants, "values": {}, "error": None}
    return render(request, "console/sign_in.html", context)


@router.post("/console/sign-in")
async def sign_in(request: Request, _csrf: PublicForm) -> Response:
    form = await form_data(request)
    values = {name: _text(form.get(name)) for name in ("tenant", "username")}
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    target = safe_next(_text(form.get("next")), "/console")
    platform = _platform(request)
    tenants = _tenant_choices(request)
    if not values["tenant"] and len(tenants) == 1:
        values["tenant"] = tenants[0]["id"]

    def check() -> str | None:
        with platform.engine.begin() as conn:
            user = accounts.find_user_for_login(conn, values["tenant"], values["username"])
            if user is None or not password or not verify_password(user["password_hash"], str(password)):
                return None
            ttl = platform.settings.session_hours * 3600 * 1000
            issued, _ = accounts.issue_user_token(conn, values["tenant"], user["id"], kind="session", ttl_ms=ttl)
            return issued.token

    from starlette.concurrency import run_in_threadpool

    token = await run_in_threadpool(check)
    if token is None:
        if not wants_html(request):
            raise ApiError(401, "unauthorized", "wrong tenant, username or password")
        language = request_language(request)
        context = {
            "next": target,
            "tenants": tenants,
            "values": values,
            "error": translate(language, "Wrong municipality, user name or password."),
        }
        return render(request, "console/sign_in.html", context, status_code=401)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, token, platform.settings.session_hours * 3600)
    return response


@router.post("/console/sign-out")
async def sign_out(request: Request, _csrf: PublicForm) -> Response:
    """End this browser's session (the token is revoked, the cookie removed)."""
    from maeul.adapters.http.deps import SESSION_COOKIE
    from maeul.web.queries import revoke_session

    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with _platform(request).engine.begin() as conn:
            revoke_session(conn, token)
    response = RedirectResponse("/console/sign-in", status_code=303)
    clear_session_cookie(response)
    return response

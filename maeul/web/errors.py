"""Errors of page routes: an HTML page for browsers (sign-in for a missing session), the API's JSON otherwise."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from maeul.adapters.http.errors import KOREAN, ApiError, error_response
from maeul.adapters.sql.errors import Conflict, Invalid, NotFound

HANDLED = (ApiError, NotFound, Invalid, Conflict)


def wants_html(request: Request) -> bool:
    """A browser navigation or an htmx request (else the caller is a script and gets the API's JSON errors)."""
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


def as_api_error(exc: Exception) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, "conflict", str(exc))
    return ApiError(422, "invalid", str(exc))


def sign_in_url(request: Request) -> str:
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or request.headers.get("hx-request") == "true":
        back = request.headers.get("hx-current-url") or request.url.path
        back = back if back.startswith("/") else "/console"
    return f"/console/sign-in?next={quote(back, safe='/')}"


def error_page(request: Request, exc: Exception) -> Response:
    from maeul.web.render import render  # the renderer imports this module's users

    error = as_api_error(exc)
    if not wants_html(request):
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return error_response(error.status, error.code, error.message, error.details, headers)
    if error.status == 401:
        target = sign_in_url(request)
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    context = {
        "status": error.status,
        "code": error.code,
        "message": error.message,
        "message_ko": KOREAN.get(error.code, KOREAN["http_error"]),
        "details": error.details or [],
    }
    fragment = request.headers.get("hx-request") == "true"
    return render(
        request, "errors/fragment.html" if fragment else "errors/error.html", context, status_code=error.status
    )


class WebRoute(APIRoute):
    """Route class of page routers: ``APIRouter(route_class=WebRoute)`` turns errors into pages for browsers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except HANDLED as exc:
                return error_page(request, exc)

        return handler

"""Who is looking at a page: the console user (session cookie or bearer header), permission and CSRF checks.

Use these as FastAPI dependencies in page routers::

    @router.get("/console/care")
    def home(request: Request, actor: Annotated[Actor, Depends(page_user(Permission.READ))]) -> HTMLResponse: ...

A missing or expired session gives 401 (a browser is sent to the sign-in page by :class:`WebRoute`), a role
without the permission 403, and a state-changing request authenticated by the cookie must carry the CSRF token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from fastapi import Request
from fastapi.security.utils import get_authorization_scheme_param

from maeul.adapters.http.deps import SESSION_COOKIE
from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql.accounts import Actor, actor_for_token
from maeul.core.roles import Permission, Role, allows
from maeul.platform.app import Platform
from maeul.web.security import check_csrf

STALE_FORM = "the form's security token is missing or stale; reload the page and try again"


def current_actor(request: Request) -> Actor | None:
    """The signed-in user of this request, if any (cached on the request)."""
    if hasattr(request.state, "actor"):
        cached: Actor | None = request.state.actor
        return cached
    platform: Platform = request.app.state.platform
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    via_cookie = False
    token: str | None = None
    if request.headers.get("authorization") is not None:
        token = credentials if scheme.lower() == "bearer" and credentials else None
    else:
        token = request.cookies.get(SESSION_COOKIE)
        via_cookie = token is not None
    actor = actor_for_token(platform.engine, token) if token else None
    request.state.actor = actor
    request.state.via_cookie = via_cookie and actor is not None
    return actor


def page_user(
    permission: Permission | None = Permission.READ, *, roles: Collection[Role] | None = None
) -> Callable[[Request], Awaitable[Actor]]:
    """A dependency: the signed-in user, who must hold ``permission`` (and have one of ``roles`` if given)."""

    async def dependency(request: Request) -> Actor:
        actor = current_actor(request)
        if actor is None:
            raise ApiError(401, "unauthorized", "sign in first (session expired or missing)")
        if request.state.via_cookie and not await check_csrf(request):
            raise ApiError(403, "forbidden", STALE_FORM)
        if permission is not None and not allows(actor.role, permission):
            raise ApiError(403, "forbidden", f"the {actor.role.value} role may not {permission.value}")
        if roles is not None and actor.role not in roles:
            raise ApiError(403, "forbidden", f"the {actor.role.value} role may not do this")
        return actor

    return dependency


async def public_form(request: Request) -> None:
    """A dependency for forms anyone may send (sign-in, language, portal settings): the CSRF token must match."""
    if not await check_csrf(request):
        raise ApiError(403, "forbidden", STALE_FORM)

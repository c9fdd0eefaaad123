"""Administration pages: users and roles, departments, device profiles and their rules, escalation policies and
notification channels, and the bulk device import with its error report. Changes go through the API's route
functions, so the same rules apply as on the API."""

from __future__ import annotations

from typing import Annotated, Any, get_args

import orjson
from fastapi import APIRouter, Depends, Request, UploadFile
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from maeul.adapters.http.alarm_schemas import RuleUpdate
from maeul.adapters.http.deps import IdPath
from maeul.adapters.http.errors import KOREAN, ApiError
from maeul.adapters.http.routes import accounts as account_routes
from maeul.adapters.http.routes import devices as device_routes
from maeul.adapters.http.routes import notifications as notify_routes
from maeul.adapters.http.routes import rules as rule_routes
from maeul.adapters.http.schemas import DepartmentCreate, UserCreate, UserUpdate
from maeul.adapters.sql import accounts
from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import rules as rule_repo
from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Permission, Role, allows
from maeul.platform.app import Platform
from maeul.platform.notify.models import ChannelName, PolicySpec
from maeul.web.auth import page_user
from maeul.web.errors import HANDLED, WebRoute, as_api_error, wants_html
from maeul.web.i18n import request_language, translate
from maeul.web.render import render
from maeul.web.security import form_data

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DeviceManagerUser = Annotated[Actor, Depends(page_user(Permission.MANAGE_DEVICES))]
UserManagerUser = Annotated[Actor, Depends(page_user(Permission.MANAGE_USERS))]
TenantManagerUser = Annotated[Actor, Depends(page_user(Permission.MANAGE_TENANT))]


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors())


def _form_error(request: Request, error: ApiError, template: str, context: dict[str, Any]) -> Response:
    """A browser sees the form again with the problem; a script gets the API's JSON error."""
    if not wants_html(request):
        raise error
    return render(request, template, context, status_code=error.status)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


@router.get("/console/admin")
def admin_home(request: Request, actor: DeviceManagerUser) -> Response:
    sections = [
        ("/console/admin/profiles", "Device profiles and rules", Permission.MANAGE_DEVICES),
        ("/console/admin/import", "Import devices", Permission.MANAGE_DEVICES),
        ("/console/admin/users", "Users, roles and departments", Permission.MANAGE_USERS),
        ("/console/admin/notifications", "Escalation policies and notification channels", Permission.MANAGE_TENANT),
    ]
    visible = [(path, title) for path, title, permission in sections if allows(actor.role, permission)]
    return render(request, "console/admin/home.html", {"sections": visible})


# --- users and departments -------------------------------------------------------------------------------------


def _users_context(platform: Platform, actor: Actor, **extra: Any) -> dict[str, Any]:
    with platform.engine.connect() as conn:
        users = accounts.list_users(conn, actor.tenant_id)
        departments = accounts.list_departments(conn, actor.tenant_id)
    context: dict[str, Any] = {
        "users": users,
        "departments": departments,
        "department_names": {d["id"]: d["name"] for d in departments},
        "roles": [role.value for role in Role],
        "error": None,
        "notice": None,
        "values": {},
    }
    context.update(extra)
    return context


@router.get("/console/admin/users")
def users_page(request: Request, actor: UserManagerUser) -> Response:
    return render(request, "console/admin/users.html", _users_context(_platform(request), actor))


@router.post("/console/admin/users")
async def create_user(request: Request, actor: UserManagerUser) -> Response:
    form = await form_data(request)
    platform = _platform(request)
    values = {k: _text(form.get(k)) for k in ("username", "role", "password", "display_name", "email", "department_id")}
    try:
        body = UserCreate.model_validate({k: v for k, v in values.items() if v is not None})
        await run_in_threadpool(account_routes.create_user, body, actor, platform)
    except ValidationError as exc:
        error = ApiError(422, "invalid", _validation_message(exc))
        context = _users_context(platform, actor, error=error.message, values=values)
        return _form_error(request, error, "console/admin/users.html", context)
    except (ApiError, *HANDLED) as exc:
        error = as_api_error(exc)
        context = _users_context(platform, actor, error=error.message, values=values)
        return _form_error(request, error, "console/admin/users.html", context)
    return RedirectResponse("/console/admin/users", status_code=303)


@router.post("/console/admin/users/{user_id}")
async def update_user(user_id: IdPath, request: Request, actor: UserManagerUser) -> Response:
    """Change a user's role, department or active flag (the same checks as PATCH /api/v1/users/{id})."""
    form = await form_data(request)
    platform = _platform(request)
    changes: dict[str, Any] = {}
    if _text(form.get("role")):
        changes["role"] = _text(form.get("role"))
    if "department_id" in form:
        changes["department_id"] = _text(form.get("department_id"))
    if _text(form.get("active")) in ("true", "false"):
        changes["active"] = _text(form.get("active")) == "true"
    try:
        body = UserUpdate.model_validate(changes)
        await run_in_threadpool(account_routes.update_user, user_id, body, actor, platform)
    except ValidationError as exc:
        raise ApiError(422, "invalid", _validation_message(exc)) from None
    return RedirectResponse("/console/admin/users", status_code=303)


@router.post("/console/admin/departments")
async def create_department(request: Request, actor: UserManagerUser) -> Response:
    form = await form_data(request)
    platform = _platform(request)
    try:
        body = DepartmentCreate.model_validate({"name": _text(form.get("name")) or ""})
        await run_in_threadpool(account_routes.create_department, body, actor, platform)
    except ValidationError as exc:
        error = ApiError(422, "invalid", _validation_message(exc))
        context = _users_context(platform, actor, error=error.message)
        return _form_error(request, error, "console/admin/users.html", context)
    return RedirectResponse("/console/admin/users", status_code=303)


# --- profiles and rules, policies and channels (read here; edited through the API) -----------------------------


@router.get("/console/admin/profiles")
def profiles_page(request: Request, actor: DeviceManagerUser) -> Response:
    with _platform(request).engine.connect() as conn:
        profiles = device_repo.list_profiles(conn, actor.tenant_id)
        rules = rule_repo.list_rules(conn, actor.tenant_id)
    by_profile: dict[int, list[dict[str, Any]]] = {}
    for rule in rules:
        by_profile.setdefault(rule["profile_id"], []).append(rule)
    return render(request, "console/admin/profiles.html", {"profiles": profiles, "rules": by_profile})


@router.post("/console/admin/rules/{rule_id}")
async def update_rule(rule_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    """Switch a rule on or off, or change its severity (the same checks as PATCH /api/v1/rules/{id})."""
    form = await form_data(request)
    changes: dict[str, Any] = {}
    if _text(form.get("enabled")) in ("true", "false"):
        changes["enabled"] = _text(form.get("enabled")) == "true"
    if _text(form.get("severity")):
        changes["severity"] = _text(form.get("severity"))
    try:
        body = RuleUpdate.model_validate(changes)
    except ValidationError as exc:
        raise ApiError(422, "invalid", _validation_message(exc)) from None
    await run_in_threadpool(rule_routes.update_rule, rule_id, body, actor, _platform(request))
    return RedirectResponse("/console/admin/profiles", status_code=303)


def _notifications_context(platform: Platform, actor: Actor, **extra: Any) -> dict[str, Any]:
    with platform.engine.connect() as conn:
        channels = notify_routes.list_channels(actor, conn)
        policies = notify_routes.list_policies(actor, conn)
        contacts = notify_routes.list_contacts(actor, conn)
    context: dict[str, Any] = {
        "channels": channels,
        "policies": policies,
        "contacts": {c.id: c.name for c in contacts},
        "error": None,
        "policy_text": "",
        "channel_names": list(get_args(ChannelName)),
        "channel_text": "",
        "channel": "",
    }
    context.update(extra)
    return context


@router.get("/console/admin/notifications")
def notifications_page(request: Request, actor: TenantManagerUser) -> Response:
    return render(request, "console/admin/notifications.html", _notifications_context(_platform(request), actor))


@router.post("/console/admin/policies")
async def create_policy(request: Request, actor: TenantManagerUser) -> Response:
    """A new escalation policy, written as the API's JSON (checked by the same model as POST /api/v1/...)."""
    form = await form_data(request)
    platform = _platform(request)
    text = form.get("policy") if isinstance(form.get("policy"), str) else ""
    try:
        body = PolicySpec.model_validate_json(text or "{}")
        await run_in_threadpool(notify_routes.create_policy, body, actor, platform)
    except ValidationError as exc:
        error = ApiError(422, "invalid", _validation_message(exc))
        context = _notifications_context(platform, actor, error=error.message, policy_text=text)
        return _form_error(request, error, "console/admin/notifications.html", context)
    except (ApiError, *HANDLED) as exc:
        error = as_api_error(exc)
        context = _notifications_context(platform, actor, error=error.message, policy_text=text)
        return _form_error(request, error, "console/admin/notifications.html", context)
    return RedirectResponse("/console/admin/notifications", status_code=303)


@router.post("/console/admin/channels")
async def put_channel(request: Request, actor: TenantManagerUser) -> Response:
    """Set one channel's settings as JSON (``********`` keeps a stored secret), as PUT /api/v1/... does."""
    form = await form_data(request)
    platform = _platform(request)
    channel = _text(form.get("channel")) or ""
    text = form.get("config") if isinstance(form.get("config"), str) else ""
    try:
        if channel not in get_args(ChannelName):
            raise ApiError(422, "invalid", f"channel must be one of {', '.join(get_args(ChannelName))}")
        try:
            config = orjson.loads(text or "")
        except orjson.JSONDecodeError as exc:
            raise ApiError(422, "invalid", f"the settings are not valid JSON: {exc}") from None
        if not isinstance(config, dict):
            raise ApiError(422, "invalid", "the settings must be a JSON object")
        await run_in_threadpool(notify_routes.put_channel, channel, actor, platform, config)  # type: ignore[arg-type]
    except (ApiError, *HANDLED) as exc:
        error = as_api_error(exc)
        context = _notifications_context(platform, actor, error=error.message, channel_text=text, channel=channel)
        return _form_error(request, error, "console/admin/notifications.html", context)
    return RedirectResponse("/console/admin/notifications", status_code=303)


@router.post("/console/admin/policies/{policy_id}/delete")
async def delete_policy(policy_id: IdPath, request: Request, actor: TenantManagerUser) -> Response:
    await run_in_threadpool(notify_routes.delete_policy, policy_id, actor, _platform(request))
    return RedirectResponse("/console/admin/notifications", status_code=303)


# --- bulk device import ------------------------------------------------------------------------------------------


@router.get("/console/admin/import")
def import_page(request: Request, actor: DeviceManagerUser) -> Response:
    return render(request, "console/admin/import.html", {"result": None, "problems": [], "error": None})


@router.post("/console/admin/import")
async def import_devices(request: Request, actor: DeviceManagerUser) -> Response:
    """Import a CSV file (all or nothing); show the created devices' tokens once, or every bad line."""
    form = await form_data(request)
    upload = form.get("file")
    language = request_language(request)
    if isinstance(upload, UploadFile) or hasattr(upload, "read"):
        raw = await upload.read(device_routes.MAX_IMPORT_BYTES + 1)  # type: ignore[union-attr]
    elif isinstance(upload, str):
        raw = upload.encode()
    else:
        raw = b""
    context: dict[str, Any] = {"result": None, "problems": [], "error": None}
    page = "console/admin/import.html"
    if not raw.strip():
        context["error"] = translate(language, "Choose a CSV file to import.")
        return _form_error(request, ApiError(422, "invalid", "choose a CSV file to import"), page, context)
    if len(raw) > device_routes.MAX_IMPORT_BYTES:
        context["error"] = translate(language, "The file is too large (at most 20 MiB).")
        return _form_error(request, ApiError(413, "too_large", "the file is larger than 20 MiB"), page, context)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        context["error"] = translate(language, "The file is not UTF-8 text; save it as CSV UTF-8.")
        return _form_error(request, ApiError(422, "invalid", "the file is not UTF-8 text"), page, context)
    try:
        result = await device_routes._run_import(_platform(request), actor.tenant_id, text)
    except ApiError as exc:
        context["error"] = f"{KOREAN.get(exc.code, KOREAN['invalid'])} / {exc.message}"
        context["problems"] = exc.details or []
        return _form_error(request, exc, page, context)
    context["result"] = result.created
    return render(request, "console/admin/import.html", context, status_code=201, headers={"Cache-Control": "no-store"})

"""Administration of device profiles (keys table, retention), their rules (condition as JSON) and the rules'
per-device and per-entity overrides. Every change goes through the API's route functions and models, so the same
checks apply (a condition the engine cannot use is shown back with the API's message, in Korean and English)."""

from __future__ import annotations

from typing import Annotated, Any, get_args

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from maeul.adapters.http.alarm_schemas import OverrideSet, RuleCreate, RuleUpdate, SeverityName
from maeul.adapters.http.deps import IdPath
from maeul.adapters.http.errors import KOREAN, ApiError
from maeul.adapters.http.routes import devices as device_routes
from maeul.adapters.http.routes import rules as rule_routes
from maeul.adapters.http.schemas import ProfileCreate, ProfileUpdate
from maeul.adapters.sql import devices as device_repo
from maeul.adapters.sql import rules as rule_repo
from maeul.adapters.sql.accounts import Actor
from maeul.core.roles import Permission
from maeul.platform.app import Platform
from maeul.web.auth import page_user
from maeul.web.errors import HANDLED, WebRoute, as_api_error, wants_html
from maeul.web.render import render
from maeul.web.security import form_data

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DeviceManagerUser = Annotated[Actor, Depends(page_user(Permission.MANAGE_DEVICES))]
KEY_FIELDS = ("key", "type", "unit", "min", "max")
MAX_KEY_ROWS = 500
BLANK_KEY_ROWS = 3
SEVERITIES: tuple[str, ...] = get_args(SeverityName)
CONDITION_EXAMPLE = '{"kind": "threshold", "key": "temperature", "op": ">", "value": 35}'


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _bilingual(error: ApiError) -> str:
    """The API's English message after the Korean of its code: "입력값이 올바르지 않습니다 / condition.value: ..."."""
    return f"{KOREAN.get(error.code, KOREAN['invalid'])} / {error.message}"


def _invalid(exc: ValidationError) -> ApiError:
    parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()]
    return ApiError(422, "invalid", "; ".join(parts))


def _validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None


def _page_error(request: Request, exc: Exception, template: str, context: dict[str, Any]) -> Response:
    """A browser sees the form again, filled in, with the problem; a script gets the API's JSON error."""
    error = as_api_error(exc)
    if not wants_html(request):
        raise error
    context["error"] = _bilingual(error)
    return render(request, template, context, status_code=error.status)


# --- profiles ------------------------------------------------------------------------------------------------


def _number(value: Any) -> float | str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # the model refuses it with its own message


def _key_rows(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The keys table's rows (``key_0``, ``type_0``, ...); rows without a key name are left out."""
    rows: list[dict[str, Any]] = []
    for index in range(MAX_KEY_ROWS + 1):
        if f"key_{index}" not in form:
            break
        name = _text(form.get(f"key_{index}"))
        if name is None:
            continue
        row: dict[str, Any] = {"key": name, "type": _text(form.get(f"type_{index}")) or "number"}
        for field in ("unit",):
            if _text(form.get(f"{field}_{index}")):
                row[field] = _text(form.get(f"{field}_{index}"))
        for field in ("min", "max"):
            number = _number(form.get(f"{field}_{index}"))
            if number is not None:
                row[field] = number
        rows.append(row)
    return rows


def _profile_fields(form: dict[str, Any]) -> dict[str, Any]:
    retention = _text(form.get("retention_days"))
    return {
        "name": _text(form.get("name")) or "",
        "description": _text(form.get("description")),
        "keys": _key_rows(form),
        "accept_any_numeric": _text(form.get("accept_any_numeric")) in ("true", "on", "1"),
        "retention_days": int(retention) if retention and retention.isdigit() else retention,
    }


def _profile_context(profile: dict[str, Any] | None, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    keys = list(values.get("keys") or [])
    context: dict[str, Any] = {
        "profile": profile,
        "values": values,
        "key_rows": keys + [{} for _ in range(BLANK_KEY_ROWS)],
        "key_types": ("number", "boolean", "string"),
        "rules": [],
        "error": None,
        "rule_values": {"condition": CONDITION_EXAMPLE, "severity": "major", "enabled": True},
        "rule_error": None,
        "severities": SEVERITIES,
    }
    context.update(extra)
    return context


@router.get("/console/admin/profiles/new")
def new_profile_page(request: Request, actor: DeviceManagerUser) -> Response:
    return render(request, "console/admin/profile_edit.html", _profile_context(None, {"keys": []}))


@router.post("/console/admin/profiles/new")
async def create_profile(request: Request, actor: DeviceManagerUser) -> Response:
    values = _profile_fields(await form_data(request))
    try:
        body = _validate(ProfileCreate, values)
        created = await run_in_threadpool(device_routes.create_profile, body, actor, _platform(request))
    except HANDLED as exc:
        return _page_error(request, exc, "console/admin/profile_edit.html", _profile_context(None, values))
    return RedirectResponse(f"/console/admin/profiles/{created.id}", status_code=303)


def _load_profile(platform: Platform, actor: Actor, profile_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with platform.engine.connect() as conn:
        profile = device_repo.get_profile(conn, actor.tenant_id, profile_id)
        rules = rule_repo.list_rules(conn, actor.tenant_id, profile_id)
    return profile, rules


def _profile_values(profile: dict[str, Any]) -> dict[str, Any]:
    return {name: profile.get(name) for name in ("name", "description", "keys", "accept_any_numeric", "retention_days")}


@router.get("/console/admin/profiles/{profile_id}")
def profile_page(profile_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    profile, rules = _load_profile(_platform(request), actor, profile_id)
    context = _profile_context(profile, _profile_values(profile), rules=rules)
    return render(request, "console/admin/profile_edit.html", context)


@router.post("/console/admin/profiles/{profile_id}")
async def update_profile(profile_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    """Change the profile (the same checks as PATCH /api/v1/profiles/{id}); an empty retention uses the default."""
    platform = _platform(request)
    values = _profile_fields(await form_data(request))
    try:
        body = _validate(ProfileUpdate, values)
        await run_in_threadpool(device_routes.update_profile, profile_id, body, actor, platform)
    except HANDLED as exc:
        profile, rules = _load_profile(platform, actor, profile_id)
        context = _profile_context(profile, values, rules=rules)
        return _page_error(request, exc, "console/admin/profile_edit.html", context)
    return RedirectResponse(f"/console/admin/profiles/{profile_id}", status_code=303)


# --- rules ---------------------------------------------------------------------------------------------------


def _rule_fields(form: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The rule's fields for the API model and the condition text as typed (kept to show it again)."""
    text = form.get("condition") if isinstance(form.get("condition"), str) else ""
    fields: dict[str, Any] = {
        "name": _text(form.get("name")) or "",
        "alarm_type": _text(form.get("alarm_type")) or "",
        "severity": _text(form.get("severity")) or "",
        "enabled": _text(form.get("enabled")) in ("true", "on", "1"),
    }
    return fields, text or ""


def _condition(text: str) -> dict[str, Any]:
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ApiError(422, "invalid", f"condition: not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise ApiError(422, "invalid", "condition: must be a JSON object such as " + CONDITION_EXAMPLE)
    return parsed


@router.post("/console/admin/profiles/{profile_id}/rules")
async def create_rule(profile_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    """A new rule; the condition is checked by the rule engine as on POST /api/v1/profiles/{id}/rules."""
    platform = _platform(request)
    fields, text = _rule_fields(await form_data(request))
    try:
        body = _validate(RuleCreate, {**fields, "condition": _condition(text)})
        await run_in_threadpool(rule_routes.create_rule, profile_id, body, actor, platform)
    except HANDLED as exc:
        profile, rules = _load_profile(platform, actor, profile_id)
        context = _profile_context(profile, _profile_values(profile), rules=rules)
        context["rule_values"] = {**fields, "condition": text}
        error = as_api_error(exc)
        if not wants_html(request):
            raise error from None
        context["rule_error"] = _bilingual(error)
        return render(request, "console/admin/profile_edit.html", context, status_code=error.status)
    return RedirectResponse(f"/console/admin/profiles/{profile_id}", status_code=303)


def _rule_context(platform: Platform, actor: Actor, rule_id: int, **extra: Any) -> dict[str, Any]:
    with platform.engine.connect() as conn:
        rule = rule_repo.get_rule(conn, actor.tenant_id, rule_id)
        profile = device_repo.get_profile(conn, actor.tenant_id, rule["profile_id"])
        overrides = rule_repo.list_overrides(conn, actor.tenant_id, rule_id)
        devices = device_repo.list_devices(conn, actor.tenant_id, profile_id=rule["profile_id"])
    context: dict[str, Any] = {
        "rule": rule,
        "profile": profile,
        "overrides": overrides,
        "devices": devices,
        "values": {**rule, "condition": orjson.dumps(rule["condition"], option=orjson.OPT_INDENT_2).decode()},
        "severities": SEVERITIES,
        "error": None,
        "override_error": None,
        "override_values": {"target_kind": "device", "params": '{"condition": {"value": 40}}'},
    }
    context.update(extra)
    return context


@router.get("/console/admin/rules/{rule_id}")
def rule_page(rule_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    return render(request, "console/admin/rule_edit.html", _rule_context(_platform(request), actor, rule_id))


@router.post("/console/admin/rules/{rule_id}/edit")
async def edit_rule(rule_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    """Change the rule (the same checks as PATCH /api/v1/rules/{id}, its overrides included)."""
    platform = _platform(request)
    fields, text = _rule_fields(await form_data(request))
    try:
        body = _validate(RuleUpdate, {**fields, "condition": _condition(text)})
        await run_in_threadpool(rule_routes.update_rule, rule_id, body, actor, platform)
    except HANDLED as exc:
        context = _rule_context(platform, actor, rule_id)
        context["values"] = {**context["rule"], **fields, "condition": text}
        return _page_error(request, exc, "console/admin/rule_edit.html", context)
    return RedirectResponse(f"/console/admin/rules/{rule_id}", status_code=303)


@router.post("/console/admin/rules/{rule_id}/delete")
async def delete_rule(rule_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    """Remove the rule and its overrides (its alarms stay, as history)."""
    platform = _platform(request)
    with platform.engine.connect() as conn:
        profile_id = rule_repo.get_rule(conn, actor.tenant_id, rule_id)["profile_id"]
    await run_in_threadpool(rule_routes.delete_rule, rule_id, actor, platform)
    return RedirectResponse(f"/console/admin/profiles/{profile_id}", status_code=303)


# --- overrides -----------------------------------------------------------------------------------------------


@router.post("/console/admin/rules/{rule_id}/overrides")
async def set_override(rule_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    """Set the rule's override for one device or entity (``params`` deep-merged into the rule, as PUT
    /api/v1/rules/{id}/overrides); "off" switches the rule off there."""
    platform = _platform(request)
    form = await form_data(request)
    text = form.get("params") if isinstance(form.get("params"), str) else ""
    enabled = _text(form.get("enabled"))
    values = {"target_kind": _text(form.get("target_kind")) or "device", "target_id": _text(form.get("target_id"))}
    try:
        params = _condition(text or "{}") if (text or "").strip() else {}
        data: dict[str, Any] = {**values, "params": params}
        if enabled in ("true", "false"):
            data["enabled"] = enabled == "true"
        body = _validate(OverrideSet, data)
        await run_in_threadpool(rule_routes.set_override, rule_id, body, actor, platform)
    except HANDLED as exc:
        error = as_api_error(exc)
        if not wants_html(request):
            raise error from None
        context = _rule_context(platform, actor, rule_id, override_error=_bilingual(error))
        context["override_values"] = {**values, "params": text, "enabled": enabled}
        return render(request, "console/admin/rule_edit.html", context, status_code=error.status)
    return RedirectResponse(f"/console/admin/rules/{rule_id}", status_code=303)


@router.post("/console/admin/rule-overrides/{override_id}/delete")
async def delete_override(override_id: IdPath, request: Request, actor: DeviceManagerUser) -> Response:
    platform = _platform(request)
    rule_id = _text((await form_data(request)).get("rule_id"))
    await run_in_threadpool(rule_routes.delete_override, override_id, actor, platform)
    target = f"/console/admin/rules/{rule_id}" if rule_id and rule_id.isdigit() else "/console/admin/profiles"
    return RedirectResponse(target, status_code=303)

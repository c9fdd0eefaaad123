"""Open311 GeoReport v2 routes at ``/open311/v2/`` (public: reading needs no key, posting needs an ``api_key``).

The tenant is the one the ``jurisdiction_id`` names (or the ``api_key``'s, or the only one of the install).
Errors are the spec's ``errors`` document with its status codes: 400 bad input or no jurisdiction_id where
one is needed, 403 missing or wrong api_key, 404 unknown jurisdiction, service, request or token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select
from starlette.datastructures import UploadFile

from maeul.adapters.sql.tables import departments
from maeul.platform import clock
from maeul.platform.app import Platform
from maeul.services.complaints import config_repo
from maeul.services.complaints import requests_repo as repo
from maeul.services.complaints.open311 import views
from maeul.services.complaints.open311.errors import Open311Error, bad
from maeul.services.complaints.open311.formats import FORMATS, render, render_errors
from maeul.services.complaints.open311.params import (
    check_attributes,
    parse_post,
    parse_requests_query,
    parse_updates_query,
)
from maeul.services.complaints.photos import MAX_BYTES, PhotoRefused, PhotoStore, clean
from maeul.services.complaints.ports import classifier
from maeul.services.complaints.workflow import REOPENABLE, Status

MAX_MEDIA = 5  # photos in one POST


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _document(fmt: str, root: str, item: str | None, body: Any, status: int = 200) -> Response:
    content, media_type = render(fmt, root, item, body)
    return Response(content, status_code=status, media_type=media_type)


def _error(fmt: str, exc: Open311Error) -> Response:
    content, media_type = render_errors(fmt if fmt in FORMATS else "xml", [(exc.status, exc.description)])
    return Response(content, status_code=exc.status, media_type=media_type)


def _answer(fmt: str, produce: Callable[[], Response]) -> Response:
    """Run ``produce``; an Open311Error becomes the spec's error document in the asked format."""
    try:
        if fmt not in FORMATS:
            raise Open311Error(404, f"format {fmt!r} is not served: use xml or json", "xml 또는 json 형식만 제공합니다")
        return produce()
    except Open311Error as exc:
        return _error(fmt, exc)


def _tenant(conn: Connection, jurisdiction_id: str | None, key_tenant: str | None = None) -> str:
    if jurisdiction_id:
        tenant = config_repo.tenant_by_jurisdiction(conn, jurisdiction_id)
        if tenant is None:
            raise Open311Error(404, f"jurisdiction_id {jurisdiction_id!r} not found", "해당 jurisdiction_id가 없습니다")
        return tenant
    if key_tenant is not None:
        return key_tenant
    only = config_repo.only_tenant(conn)
    if only is None:
        raise bad("jurisdiction_id was not provided", "jurisdiction_id(지자체)를 지정하십시오")
    return only


def _agencies(conn: Connection, tenant_id: str) -> dict[int, str]:
    rows = conn.execute(select(departments.c.id, departments.c.name).where(departments.c.tenant_id == tenant_id))
    return {int(i): str(n) for i, n in rows}


def _media_url(base_url: str, name: str | None) -> str | None:
    return f"{base_url.rstrip('/')}/open311/v2/media/{name}" if name else None


def _request_list(conn: Connection, tenant_id: str, rows: list[dict[str, Any]], base_url: str) -> list[dict[str, Any]]:
    zone = config_repo.tenant_timezone(conn, tenant_id)
    agencies = _agencies(conn, tenant_id)
    photos = repo.first_public_photo(conn, tenant_id, [r["id"] for r in rows])
    return [views.request(r, zone, agencies, _media_url(base_url, photos.get(r["id"]))) for r in rows]


def create_router() -> APIRouter:
    # Left out of the OpenAPI document: GeoReport v2 is its own specification (see docs/open311.md), and its error
    # documents are the spec's, not the platform's error shape.
    router = APIRouter(prefix="/open311/v2", tags=["open311"], include_in_schema=False)

    @router.get("/discovery.{fmt}", summary="Open311 service discovery")
    def discovery(request: Request, fmt: str) -> Response:
        return _answer(fmt, lambda: _document(fmt, "discovery", None, views.discovery(str(request.base_url))))

    @router.get("/services.{fmt}", summary="Open311: the service list (categories)")
    def services(request: Request, fmt: str) -> Response:
        def produce() -> Response:
            with _platform(request).engine.connect() as conn:
                tenant = _tenant(conn, request.query_params.get("jurisdiction_id"))
                body = [views.service(c) for c in config_repo.list_categories(conn, tenant, active_only=True)]
            return _document(fmt, "services", "service", body)

        return _answer(fmt, produce)

    @router.get("/services/{service_code}.{fmt}", summary="Open311: a service definition (its attributes)")
    def service_definition(request: Request, service_code: str, fmt: str) -> Response:
        def produce() -> Response:
            with _platform(request).engine.connect() as conn:
                tenant = _tenant(conn, request.query_params.get("jurisdiction_id"))
                category = config_repo.category_by_code(conn, tenant, service_code)
            if category is None or not category["active"]:
                raise Open311Error(404, f"service_code {service_code!r} not found", "해당 service_code가 없습니다")
            return _document(fmt, "service_definition", None, views.service_definition(category))

        return _answer(fmt, produce)

    @router.post("/requests.{fmt}", summary="Open311: report a problem (form-encoded or multipart with media)")
    async def post_request(request: Request, fmt: str) -> Response:
        if fmt not in FORMATS:
            return _answer(fmt, lambda: Response())
        try:
            form = await request.form(max_files=MAX_MEDIA, max_fields=1000)
        except Exception:  # a malformed body: the spec's 400
            return _error(fmt, bad("the body is not a readable form", "요청 본문을 읽을 수 없습니다"))
        pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        if "api_key" not in form and "api_key" in request.query_params:
            pairs.append(("api_key", request.query_params["api_key"]))
        if "jurisdiction_id" not in form and "jurisdiction_id" in request.query_params:
            pairs.append(("jurisdiction_id", request.query_params["jurisdiction_id"]))
        uploads = [v for k, v in form.multi_items() if isinstance(v, UploadFile) and k in ("media", "media[]")]
        if any(upload.size is not None and upload.size > MAX_BYTES for upload in uploads):
            await form.close()
            return _error(fmt, bad("media: a photo is larger than 10 MB", "media: 사진은 10MB를 넘을 수 없습니다"))
        raws = [await upload.read(MAX_BYTES + 1) for upload in uploads]
        await form.close()
        return _answer(fmt, lambda: _create(request, fmt, pairs, raws))

    @router.get("/tokens/{token_id}.{fmt}", summary="Open311: the request id of a token")
    def token(request: Request, token_id: str, fmt: str) -> Response:
        def produce() -> Response:
            with _platform(request).engine.connect() as conn:
                tenant = _tenant(conn, request.query_params.get("jurisdiction_id"))
                found = repo.request_by_token(conn, tenant, token_id) if len(token_id) <= 40 else None
            if found is None:
                raise Open311Error(404, "token not found", "해당 token이 없습니다")
            body = [{"service_request_id": str(found["id"]), "token": found["token"]}]
            return _document(fmt, "service_requests", "request", body)

        return _answer(fmt, produce)

    @router.get("/requests.{fmt}", summary="Open311: service requests (filters of the spec, page and page_size)")
    def requests(request: Request, fmt: str) -> Response:
        def produce() -> Response:
            query = parse_requests_query(dict(request.query_params))
            with _platform(request).engine.connect() as conn:
                tenant = _tenant(conn, query.jurisdiction_id)
                rows = repo.open311_requests(conn, tenant, query, clock.now_ms())
                body = _request_list(conn, tenant, rows, str(request.base_url))
            return _document(fmt, "service_requests", "request", body)

        return _answer(fmt, produce)

    @router.get("/requests/{service_request_id}.{fmt}", summary="Open311: one service request")
    def one_request(request: Request, service_request_id: str, fmt: str) -> Response:
        def produce() -> Response:
            with _platform(request).engine.connect() as conn:
                tenant = _tenant(conn, request.query_params.get("jurisdiction_id"))
                ok = service_request_id.isascii() and service_request_id.isdigit() and len(service_request_id) <= 9
                row = repo.public_request(conn, tenant, int(service_request_id)) if ok else None
                if row is None:
                    raise Open311Error(
                        404, f"service_request_id {service_request_id!r} not found", "해당 민원이 없습니다"
                    )
                body = _request_list(conn, tenant, [row], str(request.base_url))
            return _document(fmt, "service_requests", "request", body)

        return _answer(fmt, produce)

    @router.get("/servicerequestupdates.{fmt}", summary="Open311 extension: updates of service requests")
    def updates(request: Request, fmt: str) -> Response:
        def produce() -> Response:
            start, end = parse_updates_query(dict(request.query_params))
            with _platform(request).engine.connect() as conn:
                tenant = _tenant(conn, request.query_params.get("jurisdiction_id"))
                zone = config_repo.tenant_timezone(conn, tenant)
                events = repo.open311_updates(conn, tenant, start, end)
                photos = repo.event_photos(conn, tenant, [e["id"] for e in events])
            base = str(request.base_url)
            body = [views.update(e, zone, _media_url(base, photos.get(e["id"]))) for e in events]
            return _document(fmt, "service_requests_updates", "request_update", body)

        return _answer(fmt, produce)

    @router.post("/servicerequestupdates.{fmt}", summary="Open311 extension: a comment on a request (reopens)")
    async def post_update(request: Request, fmt: str) -> Response:
        if fmt not in FORMATS:
            return _answer(fmt, lambda: Response())
        try:
            form = await request.form(max_files=0, max_fields=100)
        except Exception:  # a malformed body: the spec's 400
            return _error(fmt, bad("the body is not a readable form", "요청 본문을 읽을 수 없습니다"))
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        await form.close()
        for name in ("api_key", "jurisdiction_id"):
            if name not in fields and name in request.query_params:
                fields[name] = request.query_params[name]
        return _answer(fmt, lambda: _comment(request, fmt, fields))

    @router.get("/media/{name}", summary="A published photo (metadata stripped)")
    def media(request: Request, name: str) -> Response:
        platform = _platform(request)
        with platform.engine.connect() as conn:
            photo = repo.photo_by_name(conn, name) if len(name) <= 64 else None
            wanted = request.query_params.get("jurisdiction_id")
            if photo is not None and wanted and config_repo.tenant_by_jurisdiction(conn, wanted) != photo["tenant_id"]:
                photo = None
        if photo is None or not photo["public"]:
            return _error("xml", Open311Error(404, "media not found", "사진이 없습니다"))
        data = PhotoStore(platform.settings.data_dir).read(photo["tenant_id"], photo["name"])
        return Response(data, media_type=photo["content_type"], headers={"Cache-Control": "public, max-age=86400"})

    return router


def _create(request: Request, fmt: str, pairs: list[tuple[str, str]], raws: list[bytes]) -> Response:
    platform = _platform(request)
    new = parse_post(pairs)
    if not new.api_key:
        raise Open311Error(403, "api_key was not provided", "api_key가 필요합니다")
    photos = []
    for raw in raws:
        try:
            photos.append(clean(raw))
        except PhotoRefused as exc:
            raise bad(f"media: {exc.en}", f"media: {exc.ko}") from None
    store = PhotoStore(platform.settings.data_dir)
    saved: list[str] = []
    try:
        with platform.engine.begin() as conn:
            owner = config_repo.key_owner(conn, new.api_key)
            if owner is None:
                raise Open311Error(403, "api_key is invalid or revoked", "api_key가 올바르지 않거나 폐기되었습니다")
            tenant = _tenant(conn, new.jurisdiction_id, owner[0])
            if tenant != owner[0]:
                raise Open311Error(403, "api_key is not valid for this jurisdiction", "이 지자체의 api_key가 아닙니다")
            category = config_repo.category_by_code(conn, tenant, new.service_code)
            if category is None or not category["active"]:
                raise Open311Error(404, f"service_code {new.service_code!r} not found", "해당 service_code가 없습니다")
            attributes = check_attributes(category["attributes"], new.attributes)
            suggestion = classifier()(tenant, new.description or "")
            now = clock.now_ms()
            row = repo.create_request(
                conn, tenant, new, category, attributes, now=now, key_id=owner[1], suggestion=suggestion
            )
            for photo in photos:
                name = store.save(tenant, photo)
                saved.append(name)
                repo.add_photo(
                    conn, tenant, row["id"], name, content_type=photo.content_type, size=len(photo.data),
                    width=photo.width, height=photo.height, public=True, event_id=None, now=now,
                )  # fmt: skip
            body = [views.created(row, config_repo.tenant_timezone(conn, tenant))]
    except BaseException:
        for name in saved:
            store.delete(tenant, name)
        raise
    return _document(fmt, "service_requests", "request", body)


def _comment(request: Request, fmt: str, fields: dict[str, str]) -> Response:
    """A reporter's comment through a client app (FixMyStreet's ``POST servicerequestupdates``): kept as a
    public update; ``status=open`` on an answered request reopens it for the department."""
    from maeul.services.complaints import handling

    platform = _platform(request)
    if not fields.get("api_key"):
        raise Open311Error(403, "api_key was not provided", "api_key가 필요합니다")
    text = (fields.get("description") or "").strip()
    if not text or len(text) > 4000 or "\x00" in text:
        raise bad("description is required (up to 4000 characters)", "description(내용)은 4000자 이내로 필수입니다")
    wanted = (fields.get("status") or "").strip().lower()
    if wanted not in ("", "open", "closed"):
        raise bad("status must be open or closed", "status는 open 또는 closed여야 합니다")
    raw_id = (fields.get("service_request_id") or "").strip()
    with platform.engine.begin() as conn:
        owner = config_repo.key_owner(conn, fields["api_key"])
        if owner is None:
            raise Open311Error(403, "api_key is invalid or revoked", "api_key가 올바르지 않거나 폐기되었습니다")
        tenant = _tenant(conn, fields.get("jurisdiction_id"), owner[0])
        if tenant != owner[0]:
            raise Open311Error(403, "api_key is not valid for this jurisdiction", "이 지자체의 api_key가 아닙니다")
        ok = raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 9
        row = repo.public_request(conn, tenant, int(raw_id)) if ok else None
        if row is None:
            raise Open311Error(404, f"service_request_id {raw_id!r} not found", "해당 민원이 없습니다")
        now = clock.now_ms()
        status = Status(row["status"])
        if wanted == "open" and status in REOPENABLE:
            handling.reopen(conn, tenant, row["id"], actor_id=None, now=now, reason=text)
            event_id = int(repo.events_of(conn, tenant, row["id"])[-1]["id"])
        else:
            event_id = repo.add_event(conn, tenant, row["id"], now, "comment", status.value, public_text=text,
                                      data={"client_update_id": fields.get("update_id")})  # fmt: skip
    return _document(fmt, "service_request_updates", "request_update", [{"update_id": str(event_id)}])

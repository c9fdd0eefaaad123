"""The staff API of complaints under ``/api/v1/complaints/``: settings, client keys, categories, the queue and
the handling actions. Viewers read; caseworkers, operators and admins handle; admins configure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, select

from maeul.adapters.http.deps import ActorDep, IdPath, PlatformDep, ReadConn, Reader, TenantManager
from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql.accounts import Actor
from maeul.adapters.sql.errors import NotFound
from maeul.core.roles import Role
from maeul.platform import clock
from maeul.services.complaints import config_repo, handling
from maeul.services.complaints import requests_repo as repo
from maeul.services.complaints.photos import MAX_BYTES, TYPES, CleanPhoto, PhotoRefused, PhotoStore, clean
from maeul.services.complaints.schemas import (
    AnswerBody,
    AssignBody,
    CategoryBody,
    CategoryPatch,
    ExtendBody,
    KeyBody,
    MergeBody,
    RatingBody,
    ReopenBody,
    SettingsBody,
    StatusBody,
    TransferBody,
    dump,
)
from maeul.services.complaints.workflow import Status

PHOTO_TYPES = tuple(content_type for content_type, _ in TYPES.values())
HANDLERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.CASEWORKER})


def complaint_handler(actor: ActorDep) -> Actor:
    """Caseworkers, operators and admins handle complaints; viewers only look."""
    if actor.role not in HANDLERS:
        raise ApiError(403, "forbidden", f"the {actor.role.value} role may not handle complaints")
    return actor


Handler = Annotated[Actor, Depends(complaint_handler)]


def _refused(exc: handling.HandlingError) -> ApiError:
    return ApiError(422, "invalid", str(exc), [{"message_ko": exc.ko}])


def _view(conn: Connection, tenant_id: str, row: dict[str, Any], *, detail: bool = False) -> dict[str, Any]:
    out = repo.with_flags(row, clock.now_ms())
    out.pop("token", None)  # the reporter's handle is theirs alone
    if detail:
        out["events"] = repo.events_of(conn, tenant_id, row["id"])
        out["photos"] = [
            {k: p[k] for k in ("id", "event_id", "name", "content_type", "size", "width", "height", "public")}
            for p in repo.photos_of(conn, tenant_id, row["id"])
        ]
    return out


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])

    # --- settings, keys, categories --------------------------------------------------------------------

    @router.get("/settings")
    def get_settings(actor: Reader, conn: ReadConn) -> dict[str, Any]:
        """The Open311 jurisdiction_id, the holidays left out of deadlines and the triage threshold."""
        return config_repo.get_settings(conn, actor.tenant_id)

    @router.put("/settings")
    def put_settings(body: SettingsBody, actor: TenantManager, platform: PlatformDep) -> dict[str, Any]:
        with platform.engine.begin() as conn:
            return config_repo.put_settings(
                conn, actor.tenant_id, body.jurisdiction_id, body.holidays, body.triage_threshold
            )

    @router.get("/keys")
    def list_keys(actor: TenantManager, conn: ReadConn) -> list[dict[str, Any]]:
        """Open311 client keys (api_key) of the tenant; the keys themselves are shown once, when made."""
        return config_repo.list_keys(conn, actor.tenant_id)

    @router.post("/keys", status_code=status.HTTP_201_CREATED)
    def create_key(body: KeyBody, actor: TenantManager, platform: PlatformDep) -> dict[str, Any]:
        with platform.engine.begin() as conn:
            return config_repo.create_key(conn, actor.tenant_id, body.name)

    @router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
    def revoke_key(key_id: IdPath, actor: TenantManager, platform: PlatformDep) -> Response:
        with platform.engine.begin() as conn:
            config_repo.revoke_key(conn, actor.tenant_id, key_id)
        return Response(status_code=204)

    @router.get("/categories")
    def list_categories(actor: Reader, conn: ReadConn) -> list[dict[str, Any]]:
        return config_repo.list_categories(conn, actor.tenant_id)

    @router.post("/categories", status_code=status.HTTP_201_CREATED)
    def create_category(body: CategoryBody, actor: TenantManager, platform: PlatformDep) -> dict[str, Any]:
        """A category (Open311 service): its kind sets the legal deadline, its department receives the requests."""
        with platform.engine.begin() as conn:
            return config_repo.create_category(conn, actor.tenant_id, body.model_dump())

    @router.patch("/categories/{category_id}")
    def update_category(
        category_id: IdPath, body: CategoryPatch, actor: TenantManager, platform: PlatformDep
    ) -> dict[str, Any]:
        with platform.engine.begin() as conn:
            return config_repo.update_category(conn, actor.tenant_id, category_id, dump(body))

    # --- the queue ------------------------------------------------------------------------------------------

    @router.get("/requests")
    def list_requests(
        actor: Reader,
        conn: ReadConn,
        status_: Annotated[Status | None, Query(alias="status")] = None,
        department_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
        service_code: Annotated[str | None, Query(max_length=64)] = None,
        overdue: bool | None = None,
        needs_triage: bool | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[dict[str, Any]]:
        """The queue, soonest deadline first; ``overdue=true`` lists open requests past their deadline."""
        rows = repo.staff_requests(
            conn, actor.tenant_id, now=clock.now_ms(), status=status_.value if status_ else None,
            department_id=department_id, service_code=service_code, overdue=overdue, needs_triage=needs_triage,
            limit=limit, offset=offset,
        )  # fmt: skip
        return [_view(conn, actor.tenant_id, r) for r in rows]

    @router.get("/requests/{request_id}")
    def get_request(request_id: IdPath, actor: Reader, conn: ReadConn) -> dict[str, Any]:
        """A request with its reporter's contact (staff only), history and photos."""
        return _view(conn, actor.tenant_id, repo.get_request(conn, actor.tenant_id, request_id), detail=True)

    # --- handling -------------------------------------------------------------------------------------------

    def _act(platform: Any, actor: Actor, request_id: int, action: Callable[[Connection, int], Any]) -> dict[str, Any]:
        try:
            with platform.engine.begin() as conn:
                action(conn, clock.now_ms())
                return _view(conn, actor.tenant_id, repo.get_request(conn, actor.tenant_id, request_id), detail=True)
        except handling.HandlingError as exc:
            raise _refused(exc) from None

    @router.post("/requests/{request_id}/status")
    def change_status(request_id: IdPath, body: StatusBody, actor: Handler, platform: PlatformDep) -> dict[str, Any]:
        """Move the request on (accepted, in_progress, resolved, closed, rejected, not_our_responsibility)."""
        return _act(platform, actor, request_id, lambda conn, now: handling.change_status(
            conn, actor.tenant_id, request_id, body.status, actor_id=actor.user_id, now=now,
            public_text=body.public_text, note=body.note))  # fmt: skip

    @router.post("/requests/{request_id}/assign")
    def assign(request_id: IdPath, body: AssignBody, actor: Handler, platform: PlatformDep) -> dict[str, Any]:
        return _act(platform, actor, request_id, lambda conn, now: handling.assign(
            conn, actor.tenant_id, request_id, body.assignee_id, actor_id=actor.user_id, now=now))  # fmt: skip

    @router.post("/requests/{request_id}/transfer")
    def transfer(request_id: IdPath, body: TransferBody, actor: Handler, platform: PlatformDep) -> dict[str, Any]:
        """Hand the request to another department; the deadline keeps running."""
        return _act(platform, actor, request_id, lambda conn, now: handling.transfer(
            conn, actor.tenant_id, request_id, body.department_id, actor_id=actor.user_id, now=now,
            reason=body.reason))  # fmt: skip

    @router.post("/requests/{request_id}/answer")
    def answer(request_id: IdPath, body: AnswerBody, actor: Handler, platform: PlatformDep) -> dict[str, Any]:
        """The answer to the reporter (public); photos of the result go to ``.../photos`` with the event id."""
        return _act(platform, actor, request_id, lambda conn, now: handling.answer(
            conn, actor.tenant_id, request_id, body.text, actor_id=actor.user_id, now=now,
            resolve=body.resolve))  # fmt: skip

    @router.post("/requests/{request_id}/extend")
    def extend(request_id: IdPath, body: ExtendBody, actor: Handler, platform: PlatformDep) -> dict[str, Any]:
        """Extend the deadline: once freely, again only with the reporter's consent (``consent``)."""
        return _act(platform, actor, request_id, lambda conn, now: handling.extend_deadline(
            conn, actor.tenant_id, request_id, body.days, actor_id=actor.user_id, now=now, reason=body.reason,
            consent=body.consent))  # fmt: skip

    @router.post("/requests/{request_id}/reopen")
    def reopen(request_id: IdPath, body: ReopenBody, actor: Handler, platform: PlatformDep) -> dict[str, Any]:
        return _act(platform, actor, request_id, lambda conn, now: handling.reopen(
            conn, actor.tenant_id, request_id, actor_id=actor.user_id, now=now, reason=body.reason))  # fmt: skip

    @router.post("/requests/{request_id}/merge")
    def merge(request_id: IdPath, body: MergeBody, actor: Handler, platform: PlatformDep) -> dict[str, Any]:
        """Merge this duplicate into ``into_id``: its reporter then gets the target's updates."""
        return _act(platform, actor, request_id, lambda conn, now: handling.merge(
            conn, actor.tenant_id, request_id, body.into_id, actor_id=actor.user_id, now=now))  # fmt: skip

    @router.post(
        "/requests/{request_id}/photos",
        status_code=status.HTTP_201_CREATED,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in PHOTO_TYPES},
            }
        },
    )
    async def add_photo(
        request_id: IdPath,
        actor: Handler,
        platform: PlatformDep,
        request: Request,
        event_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
        public: bool = True,
    ) -> dict[str, Any]:
        """A photo of the request or of an answer (``event_id``), the image itself as the body (JPEG, PNG or
        WebP up to 10 MB); stored without EXIF or other metadata."""
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BYTES:
                break
        try:
            photo = clean(bytes(raw))
        except PhotoRefused as exc:
            raise ApiError(422, "invalid", exc.en, [{"message_ko": exc.ko}]) from None
        return await run_in_threadpool(_store_photo, platform, actor, request_id, event_id, public, photo)

    # --- the reporter ------------------------------------------------------------------------------------------

    @router.post("/rating")
    def rate(body: RatingBody, platform: PlatformDep) -> dict[str, Any]:
        """The reporter's satisfaction (1-5) with an answered request, by the token they got when reporting."""
        with platform.engine.begin() as conn:
            found = conn.execute(select(repo.R.c.tenant_id, repo.R.c.id).where(repo.R.c.token == body.token)).first()
            if found is None:
                raise NotFound("no request has this token")
            try:
                row = handling.rate(conn, str(found[0]), int(found[1]), body.score, body.comment, now=clock.now_ms())
            except handling.HandlingError as exc:
                raise _refused(exc) from None
        return {"service_request_id": str(row["id"]), "rating": row["rating"]}

    return router


def _store_photo(
    platform: Any, actor: Actor, request_id: int, event_id: int | None, public: bool, photo: CleanPhoto
) -> dict[str, Any]:
    store = PhotoStore(platform.settings.data_dir)
    with platform.engine.begin() as conn:
        repo.get_request(conn, actor.tenant_id, request_id)
        if event_id is not None and not any(
            e["id"] == event_id for e in repo.events_of(conn, actor.tenant_id, request_id)
        ):
            raise NotFound(f"event {event_id} of request {request_id} not found")
        name = store.save(actor.tenant_id, photo)
        try:
            row = repo.add_photo(
                conn, actor.tenant_id, request_id, name, content_type=photo.content_type, size=len(photo.data),
                width=photo.width, height=photo.height, public=public, event_id=event_id, now=clock.now_ms(),
            )  # fmt: skip
        except BaseException:
            store.delete(actor.tenant_id, name)
            raise
    row.pop("tenant_id", None)
    return row

"""Admin routes of the complaints AI under ``/api/v1/complaints/``: import labelled complaints (CSV), the stored
models and retraining, and the staff correction of a request's category (a labelled example for the next model).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select, update

from maeul.adapters.http.deps import IdPath, PlatformDep, ReadConn, Reader, TenantManager
from maeul.adapters.http.errors import ApiError
from maeul.adapters.sql.tables import departments
from maeul.platform import clock
from maeul.platform.app import Platform
from maeul.services.complaints import config_repo, models_repo
from maeul.services.complaints import requests_repo as repo
from maeul.services.complaints.api import Handler
from maeul.services.complaints.retraining import CannotTrain, retrain
from maeul.services.complaints.tables import complaints_requests as R

log = logging.getLogger(__name__)
MAX_CSV_BYTES = 50 * 1024 * 1024


class RetrainBody(BaseModel):
    folds: int = Field(5, ge=0, le=10, description="cross-validation folds; 0: none")


class CategoryFix(BaseModel):
    category_code: str = Field(min_length=1, max_length=64)
    retrain: bool = Field(True, description="retrain the tenant's model afterwards (in the background)")


def department_label(conn: Connection, department_id: int | None) -> str:
    """The label a department has in training data: its name (``unassigned`` when none)."""
    if department_id is None:
        return "unassigned"
    name = conn.execute(select(departments.c.name).where(departments.c.id == department_id)).scalar()
    return str(name) if name else "unassigned"


def _retrain(platform: Platform, tenant_id: str, folds: int) -> dict[str, Any]:
    try:
        return retrain(platform.engine, tenant_id, platform.settings.data_dir, folds=folds)
    except CannotTrain as exc:
        raise ApiError(422, "invalid", str(exc), [{"message_ko": exc.ko}]) from None


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])

    @router.post("/labelled", status_code=status.HTTP_201_CREATED)
    async def import_labelled(
        request: Request, actor: TenantManager, platform: PlatformDep, replace: bool = False
    ) -> dict[str, Any]:
        """Import a labelled CSV (text/csv body, columns in docs/complaints-ai.md); all rows or none."""
        body = await request.body()
        if len(body) > MAX_CSV_BYTES:
            raise ApiError(413, "too_large", f"at most {MAX_CSV_BYTES} bytes", [{"message_ko": "파일이 너무 큽니다"}])
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError(422, "invalid", "not UTF-8 text", [{"message_ko": "UTF-8 파일이 아닙니다"}]) from None
        rows, errors = models_repo.parse(text)
        if errors:
            raise ApiError(
                422,
                "invalid",
                f"{len(errors)} bad rows; nothing imported",
                [{"line": e.line, "message": e.message_en, "message_ko": e.message_ko} for e in errors[:1000]],
            )

        def run() -> int:
            with platform.engine.begin() as conn:
                return models_repo.import_rows(conn, actor.tenant_id, rows, replace=replace)

        count = await run_in_threadpool(run)
        return {"imported": count}

    @router.get("/labelled")
    def labelled_counts(actor: Reader, conn: ReadConn) -> dict[str, int]:
        """How many labelled examples the tenant has, by source (import, correction)."""
        return models_repo.counts(conn, actor.tenant_id)

    @router.get("/models")
    def list_models(actor: Reader, conn: ReadConn) -> list[dict[str, Any]]:
        """The tenant's trained models, newest first: version, metrics, training time."""
        return models_repo.model_info(conn, actor.tenant_id)

    @router.post("/models/retrain", status_code=status.HTTP_201_CREATED)
    def retrain_now(body: RetrainBody, actor: TenantManager, platform: PlatformDep) -> dict[str, Any]:
        """Train a new model version on every labelled example and put it in use."""
        return _retrain(platform, actor.tenant_id, body.folds)

    @router.post("/requests/{request_id}/category")
    def correct_category(
        request_id: IdPath, body: CategoryFix, actor: Handler, platform: PlatformDep, tasks: BackgroundTasks
    ) -> dict[str, Any]:
        """Staff correct a request's category: the request moves to it and its text becomes a labelled example."""
        tenant_id = actor.tenant_id
        with platform.engine.begin() as conn:
            request = repo.get_request(conn, tenant_id, request_id)
            category = config_repo.category_by_code(conn, tenant_id, body.category_code)
            if category is None:
                raise ApiError(
                    422, "invalid", f"no category {body.category_code}", [{"message_ko": "해당 민원 유형이 없습니다"}]
                )
            now = clock.now_ms()
            conn.execute(
                update(R)
                .where(R.c.id == request_id, R.c.tenant_id == tenant_id)
                .values(category_id=category["id"], updated_at=max(now, int(request["updated_at"]) + 1))
            )
            repo.add_event(
                conn, tenant_id, request_id, now, "category", str(request["status"]), actor_id=actor.user_id,
                data={"from": request["category_id"], "to": category["id"]},
            )  # fmt: skip
            if request.get("description"):
                models_repo.add_correction(
                    conn, tenant_id, request_id, str(request["description"]), category["code"],
                    department_label(conn, category["department_id"]),
                )  # fmt: skip
            out = repo.get_request(conn, tenant_id, request_id)
        if body.retrain and out.get("description"):
            tasks.add_task(_quiet_retrain, platform, tenant_id)
        out.pop("token", None)
        return out

    return router


def _quiet_retrain(platform: Platform, tenant_id: str) -> None:
    """After a correction: a quick retrain without cross-validation (the threshold of the previous model stays)."""
    try:
        retrain(platform.engine, tenant_id, platform.settings.data_dir, folds=0)
    except CannotTrain as exc:
        log.info("complaints model of %s not retrained: %s", tenant_id, exc)

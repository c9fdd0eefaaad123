"""One error shape for every failure: ``{"error": {"code", "message", "details"}}``, in English and Korean."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from maeul.adapters.sql.errors import Conflict, Invalid, NotFound
from maeul.platform.ingest import IngestBusy

KOREAN = {
    "not_found": "찾을 수 없습니다",
    "conflict": "이미 있는 자료와 충돌합니다",
    "invalid": "입력값이 올바르지 않습니다",
    "validation_error": "요청 형식이 올바르지 않습니다",
    "unauthorized": "인증이 필요합니다",
    "forbidden": "권한이 없습니다",
    "busy": "잠시 후 다시 시도해 주십시오",
    "malformed": "메시지 형식이 올바르지 않습니다 (오류 보관함에 기록됨)",
    "rejected": "장치 프로필에 맞지 않는 값입니다 (오류 보관함에 기록됨)",
    "invalid_rows": "파일에 잘못된 행이 있어 아무것도 가져오지 않았습니다",
    "too_large": "요청이 너무 큽니다",
    "http_error": "요청을 처리할 수 없습니다",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(
    status: int, code: str, message: str, details: list[Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message, "message_ko": KOREAN.get(code, KOREAN["http_error"])}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _clean(errors: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_req: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(NotFound)
    async def _nf(_req: Request, exc: NotFound) -> JSONResponse:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(_req: Request, exc: Conflict) -> JSONResponse:
        return error_response(409, "conflict", str(exc))

    @app.exception_handler(Invalid)
    async def _invalid(_req: Request, exc: Invalid) -> JSONResponse:
        return error_response(422, "invalid", str(exc))

    @app.exception_handler(DataError)
    async def _data(_req: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (PostgreSQL: text with NUL characters, too long, number out of range);
        # the transaction was rolled back, so nothing was changed.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "value refused"
        return error_response(422, "invalid", f"a value cannot be stored: {reason}")

    @app.exception_handler(IngestBusy)
    async def _busy(_req: Request, exc: IngestBusy) -> JSONResponse:
        return error_response(503, "busy", str(exc), headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "validation_error", "the request does not match the schema", _clean(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

"""RFC 9457 problem+json for every error response, with field-level detail for validation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
_UNPARSABLE_BODY = "There was an error parsing the body"
INVALID_TITLE = "请求参数无效"  # every 422 of a request's fields says this (our checks and pydantic's)
_STATUS_TITLES = {404: "未找到", 405: "不支持该请求方法"}


class Problem(Exception):
    """Raise from routers for an expected HTTP failure (404, 409, 422 with fields…). Commands raise
    shared.errors.DomainError subclasses instead; both reach the client through `problem_response`."""

    def __init__(self, status: int, title: str, detail: str | None = None, *,
                 errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                 type: str = "about:blank", extra: dict[str, Any] | None = None):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors, self.headers = status, title, detail, errors, headers
        self.type, self.extra = type, extra or {}


def problem_response(request: Request, status: int, title: str, detail: str | None = None,
                     errors: list[dict[str, Any]] | None = None,
                     headers: Mapping[str, str] | None = None, *, type: str = "about:blank",
                     extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": type, "title": title, "status": status,
                            "instance": request.url.path}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    for k, v in (extra or {}).items():
        body.setdefault(k, v)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """pydantic's findings, each behind a Chinese lead naming the field (its own text, English, follows)."""
    out = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e.get("loc", ()))
        out.append({"field": field, "message": f"字段 {field} 无效：{e.get('msg', 'invalid')}", "type": e.get("type")})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(exc)
        fields = ", ".join(e["field"] for e in errors)
        return problem_response(request, 422, INVALID_TITLE, f"无效字段：{fields}", errors)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.title, exc.detail, exc.errors, exc.headers,
                                type=exc.type, extra=exc.extra)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        # The one mapping from a command's failure to problem+json (every service's NotFound,
        # Conflict, InvalidInput… subclass shared.errors.DomainError).
        return problem_response(request, exc.status, exc.title, str(exc), exc.errors,
                                type=exc.problem_type, extra=exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
            # FastAPI's answer to a body it cannot decode (bytes that are not UTF-8 JSON): invalid input.
            return problem_response(request, 422, INVALID_TITLE, "请求体不是 UTF-8 编码的 JSON",
                                    [{"field": "body", "message": "请求体不是 UTF-8 编码的 JSON"}])
        title = _STATUS_TITLES.get(exc.status_code, "请求出错")
        detail = str(exc.detail)
        if detail == HTTPStatus(exc.status_code).phrase:  # Starlette's bare phrase ("Not Found"): say it in Chinese
            detail = f"{title}（{detail}）"
        return problem_response(request, exc.status_code, title, detail, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "内部错误", "服务器内部错误，已按关联编号（X-Correlation-ID）记录日志")

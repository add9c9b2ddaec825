"""Problems found at the edge (size, encoding, NUL, integer range), before or while a route runs.

`EdgeProblem` is an HTTPException so that FastAPI lets it through when it is raised while the body
is being read (other exceptions there become a bare 400); the handler renders it as problem+json.
Middlewares that answer before the app runs use `send_problem`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from shared.http.problems import PROBLEM_JSON, problem_response
from shared.http.routing import allowed_methods
from shared.text_decoding import TextRejected


class EdgeProblem(HTTPException):
    def __init__(self, status: int, title: str, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status, detail, headers)
        self.title, self.errors = title, errors


def problem_body(scope: Scope, status: int, title: str, detail: str,
                 errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "instance": scope.get("path", ""), "detail": detail}
    if errors:
        body["errors"] = errors
    return body


async def send_problem(scope: Scope, receive: Receive, send: Send, problem: EdgeProblem) -> None:
    body = problem_body(scope, problem.status_code, problem.title, str(problem.detail), problem.errors)
    headers = {**(problem.headers or {}), "Connection": "close"} if problem.status_code in (413, 431) \
        else problem.headers
    await JSONResponse(body, problem.status_code, headers=headers, media_type=PROBLEM_JSON)(scope, receive, send)


def install_edge_handlers(app: FastAPI) -> None:
    @app.exception_handler(EdgeProblem)
    async def _edge(request: Request, exc: EdgeProblem) -> JSONResponse:
        return problem_response(request, exc.status_code, exc.title, str(exc.detail), exc.errors, exc.headers)

    @app.exception_handler(TextRejected)
    async def _text(request: Request, exc: TextRejected) -> JSONResponse:
        return problem_response(request, exc.status, exc.title, exc.message, exc.errors)

    @app.exception_handler(405)
    async def _method(request: Request, exc: Exception) -> JSONResponse:
        allow, method = ", ".join(allowed_methods(request.scope)), request.method
        return problem_response(request, 405, "不支持该请求方法",
                                f"此处不支持 {method}, 可用 {allow} ({method} is not allowed here; allowed: {allow})",
                                headers={"Allow": allow})

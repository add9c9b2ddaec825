"""Bounded input before work: header size (431) and body size (413), checked before authentication
and parsing — Content-Length up front, then every byte counted as it arrives, so an oversized body
is refused after at most one chunk past the limit and never held whole.

Two body limits: a small one for JSON, a large one for imports, which are streamed. A route is an
import when its contract says so: its request body offers a non-JSON media type (CSV, NDJSON), or
its JSON body is a batch that may carry thousands of rows (an array with maxItems ≥ BATCH_ROWS).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.edge_problems import EdgeProblem, send_problem
from shared.http.routing import route_of

BATCH_ROWS = 1000


def is_import_route(route: BaseRoute) -> bool:
    extra: dict[str, Any] = getattr(route, "openapi_extra", None) or {}
    media = (extra.get("requestBody") or {}).get("content") or {}
    if any("json" not in m for m in media):
        return True
    body = getattr(route, "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    try:
        properties = model.model_json_schema().get("properties", {})
    except Exception:  # a schema pydantic cannot render: treat as plain JSON
        return False
    return any(p.get("type") == "array" and p.get("maxItems", 0) >= BATCH_ROWS for p in properties.values())


def too_large(limit: int, what: str) -> EdgeProblem:
    return EdgeProblem(413, "请求体过大",
                       f"请求体超过 {limit} 字节上限 (the {what} is limited to {limit} bytes)",
                       errors=[{"field": "body", "message": f"不得超过 {limit} 字节"}])


class BodyLimits:
    """ASGI middleware; sits before authentication, routing and parsing."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_import_bytes: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_body, self.max_import, self.max_header = max_body_bytes, max_import_bytes, max_header_bytes
        self._import_routes: dict[int, bool] = {}

    def limit_for(self, scope: Scope) -> tuple[int, str]:
        route, _ = route_of(scope)
        if route is None:
            return self.max_body, "request body"
        key = id(route)
        if key not in self._import_routes:
            self._import_routes[key] = is_import_route(route)
        return (self.max_import, "imported file") if self._import_routes[key] else (self.max_body, "JSON body")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header_bytes = sum(len(k) + len(v) + 4 for k, v in scope["headers"])
        if header_bytes > self.max_header:
            await send_problem(scope, receive, send, EdgeProblem(
                431, "请求头过大",
                f"请求头共 {header_bytes} 字节, 超过 {self.max_header} 字节上限 (headers are limited to "
                f"{self.max_header} bytes)",
                errors=[{"field": "headers", "message": f"不得超过 {self.max_header} 字节"}]))
            return
        limit, what = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_problem(scope, receive, send, too_large(limit, what))
            return
        received, started = 0, False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit, what)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except EdgeProblem as exc:  # raised where no exception handler stood in the way
            if started:
                raise
            await send_problem(scope, receive, send, exc)

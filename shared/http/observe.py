"""Every request's correlation id (adopted from X-Correlation-ID or made, set for the logs and echoed on
the response) and its duration by method, route and status (the http_duration histogram).

A pure ASGI middleware: Starlette's BaseHTTPMiddleware (`@app.middleware("http")`) runs the rest of
the app in a task of its own and streams the response through a memory channel: about a tenth of
the server's CPU for a read served from the body cache (py-spy, bench/http_read.py).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability import set_correlation_id

CORRELATION_HEADER = "X-Correlation-ID"
_HEADER = CORRELATION_HEADER.lower().encode("latin-1")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ObserveRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = set_correlation_id(_header(scope, _HEADER))
        echoed = (_HEADER, correlation_id.encode("latin-1"))
        started = time.perf_counter()
        status = 500  # the error handler answers 500 outside this middleware: an exception counts as one

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers: list[Any] = [h for h in message.get("headers", ()) if h[0].lower() != _HEADER]
                headers.append(echoed)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
            if runtime is not None:
                route = getattr(scope.get("route"), "path", "unmatched")
                runtime.metrics.http_duration.labels(scope["method"], route, str(status)).observe(
                    time.perf_counter() - started)

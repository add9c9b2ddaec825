"""Graceful degradation of the HTTP API: push back with 503 + Retry-After instead of failing or queueing.

- The database or the broker unreachable (or a lost race the client may simply retry): 503
  problem+json with Retry-After, not a 500 — nothing was written, the request can be sent again.
- At most `http_max_in_flight` requests worked on at once per process; beyond that an immediate
  503 with Retry-After, so an overloaded process sheds load instead of queueing for minutes.
- A request without a response `http_request_timeout_s` after its body was received is cancelled
  (its transaction rolls back) and answered 503. Receiving a large upload does not count, and once a
  response has started (a streamed download) it is left to finish.
Probes and metrics (/healthz, /readyz, /metrics) are never limited: an overloaded process is alive.
"""

from __future__ import annotations

import asyncio
import json
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import PROBLEM_JSON, problem_response
from shared.log_throttle import ThrottledLog
from shared.messaging.failures import describe, is_transient, is_unavailable

log = logging.getLogger(__name__)
_throttled = ThrottledLog(log)
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
def _error_bases() -> tuple[type[Exception], ...]:
    """Where a connection-class error can come from: the driver, SQLAlchemy, sockets, the Kafka client."""
    import asyncpg
    from aiokafka.errors import KafkaError

    return (SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError, KafkaError)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    if not is_transient(exc):
        raise exc  # not ours: the catch-all handler answers 500 and logs it
    retry_after = request.app.state.retry_after_s
    if is_unavailable(exc):
        title = "服务暂不可用"
        detail = "数据库或消息服务暂时不可用，请稍后重试 (database or broker unavailable; retry later)"
    else:
        title = "服务繁忙"
        detail = "并发冲突，请求未生效，请重试 (conflict with a concurrent request; nothing was written; retry)"
        retry_after = 1
    _throttled.log(logging.WARNING, ("503", type(exc)), "%s %s answered 503: %s",
                   request.method, request.url.path, describe(exc))
    return problem_response(request, 503, title, detail, headers={"Retry-After": str(retry_after)})


def _problem_bytes(path: str, status: int, title: str, detail: str) -> bytes:
    return json.dumps({"type": "about:blank", "title": title, "status": status, "instance": path,
                       "detail": detail}, ensure_ascii=False).encode()


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


class LoadShedding:
    """The in-flight limit and the request timeout, as one pure ASGI middleware."""

    def __init__(self, app: ASGIApp, *, max_in_flight: int, timeout_s: float, retry_after_s: int = 1):
        self.app = app
        self.max_in_flight = max_in_flight
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        if self.max_in_flight and self.in_flight >= self.max_in_flight:
            _throttled.log(logging.WARNING, "overloaded", "%d requests in flight: answering 503", self.in_flight)
            detail = f"服务繁忙，请稍后重试 (more than {self.max_in_flight} requests in progress; retry later)"
            await self._refuse(scope, send, "同时处理的请求过多", detail)
            return
        self.in_flight += 1
        try:
            await self._with_timeout(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _with_timeout(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app in this very task, with a timer (armed once the body is in, disarmed when the
        response starts) that cancels it: no extra task or waiters per request."""
        if not self.timeout_s:
            await self.app(scope, receive, send)
            return
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None
        started = expired = False

        def expire() -> None:
            nonlocal expired
            if not started:
                expired = True
                task.cancel()

        def arm() -> None:
            nonlocal timer
            if timer is None:
                timer = loop.call_later(self.timeout_s, expire)

        async def tracking_receive() -> Message:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                arm()  # the clock runs from here: a long upload is not a slow answer
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True  # streaming its response: no timeout applies any more
                if timer is not None:
                    timer.cancel()
            await send(message)

        if not _has_body(scope):
            arm()
        try:
            await self.app(scope, tracking_receive, tracking_send)
        except asyncio.CancelledError:
            if not expired:
                raise  # the client went away (or the server stops): so does the request
            task.uncancel()
        finally:
            if timer is not None:
                timer.cancel()
        if not expired or started:
            return
        _throttled.log(logging.WARNING, "timeout", "%s %s timed out after %.0f s: answering 503",
                       scope["method"], scope["path"], self.timeout_s)
        await self._refuse(scope, send, "请求超时",
                           f"请求处理超时，未提交的写入已回滚 (no response within {self.timeout_s:.0f} s; "
                           "a write not yet committed was rolled back; retry later)")

    async def _refuse(self, scope: Scope, send: Send, title: str, detail: str) -> None:
        body = _problem_bytes(scope["path"], 503, title, detail)
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(self.retry_after_s).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})


def install_availability(app: FastAPI, *, max_in_flight: int, timeout_s: float, retry_after_s: int) -> None:
    app.state.retry_after_s = retry_after_s
    for base in _error_bases():
        app.add_exception_handler(base, _unavailable)
    app.add_middleware(LoadShedding, max_in_flight=max_in_flight, timeout_s=timeout_s)

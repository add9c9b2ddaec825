"""The audit trail: every write request (POST, PUT, PATCH, DELETE) is recorded after its answer — who
(the authenticated caller, or `anonymous`), what (method, path, query, status), when, and from where
(address, user agent, correlation id). Refused writes are recorded too: they are what an admin looks for.

A pure ASGI middleware, so the request body streams through untouched. The entry is written in its own
short transaction after the response: a failure to record is logged and never turns a done write into
an error.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.identity import repository

log = logging.getLogger(__name__)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_TEXT = 2000


class AuditTrailMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with the request, where the caller is put once authenticated
        answer: dict[str, Any] = {"status": 500, "correlation_id": None}

        async def remember_answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"x-correlation-id":
                        answer["correlation_id"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, remember_answer)
        finally:
            await self._record(scope, answer["status"], answer["correlation_id"])

    async def _record(self, scope: Scope, status: int, correlation_id: str | None) -> None:
        app = scope.get("app")
        runtime = getattr(getattr(app, "state", None), "runtime", None)
        if runtime is None:
            return
        caller = scope.get("state", {}).get("principal")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = scope.get("client")
        entry: dict[str, Any] = {
            "at": runtime.clock.now(), "actor": caller.subject if caller else "anonymous",
            "roles": sorted(caller.roles) if caller else [], "method": scope["method"],
            "path": scope["path"][:_MAX_TEXT], "query": scope.get("query_string", b"").decode("latin-1")[:_MAX_TEXT]
            or None, "status": status, "address": client[0] if client else None,
            "user_agent": headers.get("user-agent", "")[:_MAX_TEXT] or None, "correlation_id": correlation_id,
        }
        try:
            async with runtime.uow() as uow:
                await repository.add_audit_entry(uow.session, entry)
                await uow.commit()
        except Exception:  # the write itself is done; never fail it for its record
            log.exception("could not record the audit trail entry for %s %s", scope["method"], scope["path"])

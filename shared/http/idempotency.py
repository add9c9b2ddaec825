"""The HTTP side of shared/idempotency.py: a dependency routes that honour Idempotency-Key take.

    idem: IdempotentRequest = Depends(idempotent)
    if (answer := await idem.replay(uow)) is not None:
        return answer                      # before doing anything
    ... the command (it commits, with the key's claim) ...
    return await idem.remember(status, body)
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from shared import idempotency
from shared.http.deps import get_runtime
from shared.runtime import Runtime
from shared.uow import UnitOfWork

KEY_DESCRIPTION = ("Retry-safe writes: the same caller repeating the same request with the same key gets the "
                   "first answer again (201 replayed as 200) and nothing is done twice; the same key with a "
                   "different request is refused (422 idempotency-key-reused). Keys belong to the caller, the "
                   "method and the route, and expire after 24 hours.")


def replayed(model: Any = None) -> dict[int | str, dict[str, Any]]:
    """The 200 a 201-route answers to a replay, for its `responses=`."""
    return {200: {"description": "A replay (same caller, same Idempotency-Key, same request): the first answer",
                  **({"model": model} if model is not None else {})}}


class IdempotentRequest:
    def __init__(self, request: Request, key: str | None, runtime: Runtime) -> None:
        self._request, self.key, self._runtime = request, key, runtime
        self._scope: idempotency.KeyScope | None = None

    async def replay(self, uow: UnitOfWork) -> JSONResponse | None:
        """Claims the key in `uow`'s transaction; the stored answer when this is a replay."""
        if self.key is None:
            return None
        req = self._request
        route = getattr(req.scope.get("route"), "path_format", req.url.path)
        caller = req.state.principal.subject
        self._scope = idempotency.KeyScope(caller, req.method, route, self.key)
        digest = idempotency.request_hash(req.method, req.url.path, req.url.query, await req.body())
        stored = await idempotency.claim(uow.session, self._scope, digest, self._runtime.clock.now())
        if stored is None:
            return None
        return JSONResponse(stored.body, status_code=200 if stored.status == 201 else stored.status,
                            headers={"Idempotent-Replayed": "true"})

    async def remember(self, status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
        """Stores the answer on the key (after the command committed) and returns it."""
        content = jsonable_encoder(body)
        if self._scope is not None:
            async with self._runtime.session_factory() as session, session.begin():
                await idempotency.store(session, self._scope, status, content)
        return JSONResponse(content, status_code=status, headers=headers)


async def idempotent(request: Request,
                     idempotency_key: str | None = Header(None, max_length=200, description=KEY_DESCRIPTION),
                     runtime: Runtime = Depends(get_runtime)) -> IdempotentRequest:
    return IdempotentRequest(request, idempotency_key, runtime)

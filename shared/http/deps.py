"""FastAPI dependencies: the runtime, a unit of work, and the authenticated caller."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared import scope
from shared.auth import Principal
from shared.http.authentication import authenticate
from shared.http.problems import Problem
from shared.runtime import Runtime
from shared.uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="A JWT from `m2c token create` or an API key (m2ck_…); "
                     "browsers use the session cookie from POST /api/v1/auth/login")


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a plain function dependency in its thread pool, a thread hop per request
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_uow(runtime: Runtime = Depends(get_runtime)) -> AsyncIterator[UnitOfWork]:
    async with runtime.uow() as uow:
        yield uow


class RoleGuard:
    """A route's caller dependency: the authenticated caller, who must hold one of `roles` (any
    authenticated caller when empty). `roles` is the design the authorization matrix test reads."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        self.roles = frozenset(roles)
        self._listed = ", ".join(roles)  # in the order the route declares them

    async def __call__(
        self,
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
        runtime: Runtime = Depends(get_runtime),
    ) -> Principal:
        caller = await authenticate(request, credentials, runtime)
        request.state.principal = caller  # for the audit trail
        if self.roles and not caller.roles & self.roles:
            raise Problem(403, "无权操作", f"需要以下角色之一：{self._listed}")
        return caller


def require_roles(*roles: str) -> RoleGuard:
    """The caller, who must hold one of `roles` (any authenticated caller when none are given)."""
    return RoleGuard(roles)


def ensure_visible(caller: Principal, unit: str) -> None:
    """404 when the unit lies outside the caller's org subtree (reads; shared.scope has the rule)."""
    scope.ensure_visible(caller, unit)

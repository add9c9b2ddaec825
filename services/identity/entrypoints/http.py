"""identity's HTTP routes: sign-in/out, who am I, accounts and API keys (admin), the audit trail (admin)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.identity import handlers
from services.identity.config import IdentitySettings
from services.identity.domain.throttle import ThrottlePolicy
from services.identity.entrypoints.schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    AuditEntryOut,
    AuditTrailOut,
    SessionOut,
    SignInIn,
    UserIn,
    UserOut,
    UserPatch,
    WhoAmIOut,
)
from shared.auth import Principal
from shared.http.authentication import CSRF_COOKIE, SESSION_COOKIE
from shared.http.contract import PROBLEM_CONTENT
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.problems import Problem
from shared.identity import repository
from shared.runtime import Runtime
from shared.uow import UnitOfWork

ADMIN = ("admin",)


def _user(row: dict[str, Any]) -> UserOut:
    return UserOut(**{k: row[k] for k in UserOut.model_fields if k in row})


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def build_routers(config: IdentitySettings) -> list[APIRouter]:
    auth = APIRouter(prefix="/api/v1/auth", tags=["identity"])
    users = APIRouter(prefix="/api/v1/users", tags=["identity"])
    keys = APIRouter(prefix="/api/v1/api-keys", tags=["identity"])
    trail = APIRouter(prefix="/api/v1/audit-trail", tags=["identity"])
    policy = ThrottlePolicy(config.max_failures_per_account, config.max_failures_per_address,
                            config.failure_window_s)

    @auth.post("/login", response_model=SessionOut, responses={
        401: {"description": "Wrong name or password, or a disabled account", "content": PROBLEM_CONTENT},
        429: {"description": "Too many failed sign-ins: wait Retry-After seconds", "content": PROBLEM_CONTENT}})
    async def login(body: SignInIn, request: Request, response: Response, uow: UnitOfWork = Depends(get_uow),
                    runtime: Runtime = Depends(get_runtime)) -> SessionOut:
        """Sign in: sets an httpOnly, SameSite=Strict session cookie and returns the CSRF token for writes."""
        try:
            session = await handlers.sign_in(handlers.SignIn(
                body.name, body.password, _address(request), runtime.clock.now(),
                timedelta(seconds=config.session_ttl_s), policy), uow)
        except handlers.Throttled as exc:
            raise Problem(429, "登录失败次数过多", str(exc),
                          headers={"Retry-After": str(exc.retry_after_s)}) from exc
        except handlers.SignInRefused as exc:
            raise Problem(401, "登录被拒绝", "用户名或密码错误，或账号已停用") from exc
        secure = request.url.scheme == "https"
        response.set_cookie(SESSION_COOKIE, session.token, max_age=config.session_ttl_s, httponly=True,
                            samesite="strict", secure=secure, path="/")
        response.set_cookie(CSRF_COOKIE, session.csrf_token, max_age=config.session_ttl_s, httponly=False,
                            samesite="strict", secure=secure, path="/")
        return SessionOut(user=_user(session.user), csrf_token=session.csrf_token, expires_at=session.expires_at)

    @auth.post("/logout", status_code=204)
    async def logout(request: Request, caller: Principal = Depends(require_roles()),
                     uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> Response:
        """End this browser's session at once (a bearer caller has nothing to end)."""
        if token := request.cookies.get(SESSION_COOKIE):
            await handlers.sign_out(token, uow, runtime.clock.now())
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    @auth.get("/me", response_model=WhoAmIOut)
    async def me(caller: Principal = Depends(require_roles()), uow: UnitOfWork = Depends(get_uow)) -> WhoAmIOut:
        user = None
        if caller.subject.startswith("user:"):
            row = await repository.user_by_name(uow.session, caller.subject[len("user:"):])
            user = _user(row) if row else None
        return WhoAmIOut(subject=caller.subject, roles=sorted(caller.roles), units=list(caller.units), user=user)

    @users.get("", response_model=list[UserOut])
    async def list_users(caller: Principal = Depends(require_roles(*ADMIN)),
                         uow: UnitOfWork = Depends(get_uow)) -> list[UserOut]:
        return [_user(r) for r in await repository.list_users(uow.session)]

    @users.post("", status_code=201, response_model=UserOut)
    async def create_user(body: UserIn, caller: Principal = Depends(require_roles(*ADMIN)),
                          uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> UserOut:
        row = await handlers.create_user(handlers.CreateUser(
            body.name, body.display_name, body.password, tuple(body.roles), tuple(body.units),
            runtime.clock.now()), uow)
        return _user(row)

    @users.patch("/{name}", response_model=UserOut)
    async def update_user(name: str, body: UserPatch, caller: Principal = Depends(require_roles(*ADMIN)),
                          uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> UserOut:
        """Change an account; disabling it, a new password or new grants end its sessions at once."""
        row = await handlers.update_user(handlers.UpdateUser(
            name, runtime.clock.now(), body.display_name, None if body.roles is None else tuple(body.roles),
            None if body.units is None else tuple(body.units), body.disabled, body.password), uow)
        return _user(row)

    @keys.get("", response_model=list[ApiKeyOut])
    async def list_keys(caller: Principal = Depends(require_roles(*ADMIN)),
                        uow: UnitOfWork = Depends(get_uow)) -> list[ApiKeyOut]:
        return [ApiKeyOut(**r) for r in await repository.list_api_keys(uow.session)]

    @keys.post("", status_code=201, response_model=ApiKeyCreatedOut)
    async def create_key(body: ApiKeyIn, caller: Principal = Depends(require_roles(*ADMIN)),
                         uow: UnitOfWork = Depends(get_uow),
                         runtime: Runtime = Depends(get_runtime)) -> ApiKeyCreatedOut:
        """A key for an integrating system, scoped like an account; the key is in this answer only."""
        key, row = await handlers.create_api_key(handlers.CreateApiKey(
            body.name, tuple(body.roles), tuple(body.units), caller.subject, runtime.clock.now()), uow)
        return ApiKeyCreatedOut(key=key, **row)

    @keys.delete("/{key_id}", response_model=ApiKeyOut)
    async def revoke_key(key_id: uuid.UUID, caller: Principal = Depends(require_roles(*ADMIN)),
                         uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> ApiKeyOut:
        """Revoke a key: refused from the next request on."""
        return ApiKeyOut(**await handlers.revoke_api_key(key_id, uow, runtime.clock.now()))

    @trail.get("", response_model=AuditTrailOut)
    async def audit_trail(actor: str | None = Query(None, max_length=200),
                          path: str | None = Query(None, max_length=500, description="Path prefix: /api/v1/errors"),
                          since: datetime | None = None, until: datetime | None = None,
                          cursor: int | None = Query(None, ge=1, le=2**63 - 1),
                          limit: int = Query(100, ge=1, le=1000),
                          caller: Principal = Depends(require_roles(*ADMIN)),
                          uow: UnitOfWork = Depends(get_uow)) -> AuditTrailOut:
        """Every write: who, what, when, from where — newest first."""
        rows = await repository.audit_entries(uow.session, actor=actor, path_prefix=path, since=since, until=until,
                                              before_id=cursor, limit=limit)
        return AuditTrailOut(items=[AuditEntryOut(**r) for r in rows],
                             next_cursor=str(rows[-1]["id"]) if len(rows) == limit else None)

    return [auth, users, keys, trail]

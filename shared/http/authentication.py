"""Who is calling: a service's bearer JWT, an integrating system's API key (`Bearer m2ck_…`), or a person's
session cookie (with a CSRF token on every write). Sessions and keys are looked up on every request, so
signing out, disabling an account or revoking a key takes effect at once."""

from __future__ import annotations

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from shared.auth import InvalidToken, Principal, decode_token
from shared.http.problems import Problem
from shared.identity import repository
from shared.identity.tokens import api_key_prefix
from shared.runtime import Runtime

SESSION_COOKIE = "m2c_session"
CSRF_COOKIE = "m2c_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "未登录或凭据无效", detail, headers=_CHALLENGE)


async def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None,
                       runtime: Runtime) -> Principal:
    if credentials is not None:
        presented = credentials.credentials
        prefix = api_key_prefix(presented)
        if prefix is None:
            try:
                return decode_token(runtime.jwt_secret, presented)
            except InvalidToken as exc:
                raise _unauthorized(f"令牌无效：{exc}") from exc
        async with runtime.uow() as uow:
            caller = await repository.api_key_principal(uow.session, prefix, presented, runtime.clock.now())
            await uow.commit()
        if caller is None:
            raise _unauthorized("API 密钥不存在或已吊销")
        return caller
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _unauthorized("缺少令牌（Bearer）或登录会话，请先登录")
    async with runtime.uow() as uow:
        found = await repository.session_user(uow.session, token, runtime.clock.now())
    if found is None:
        raise _unauthorized("会话已结束，请重新登录")
    caller, csrf = found
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != csrf:
        raise Problem(403, "无权操作", f"通过登录会话写入须带会话的 {CSRF_HEADER} 请求头")
    return caller

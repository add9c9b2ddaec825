"""Who is calling: a service's bearer JWT, an integrating system's API key (`Bearer m2ck_…`), or a person's
session cookie (with a CSRF token on every write). Sessions and keys are looked up on every request (one
statement, no transaction), so signing out, disabling an account or revoking a key takes effect at once.
A JWT is looked up nowhere: once verified it is remembered until it expires (VerifiedTokens)."""

from __future__ import annotations

import time

import jwt
from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from shared.auth import InvalidToken, Principal, decode_token
from shared.http.problems import Problem
from shared.http.read_cache import autocommit
from shared.identity import repository
from shared.identity.tokens import api_key_prefix
from shared.runtime import Runtime

SESSION_COOKIE = "m2c_session"
CSRF_COOKIE = "m2c_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class VerifiedTokens:
    """JWTs already verified, until they expire: the same token and secret always verify the same
    way (a JWT is not looked up anywhere, so nothing can revoke it earlier), and a service calling
    with one token saves the signature check and claims parsing on every request. Bounded:
    forgotten all at once beyond `max_tokens`."""

    def __init__(self, max_tokens: int = 1024) -> None:
        self._known: dict[tuple[str, str], tuple[Principal, float]] = {}
        self.max_tokens = max_tokens

    def principal(self, secret: str, token: str) -> Principal:
        known = self._known.get((secret, token))
        if known is not None and time.time() < known[1]:
            return known[0]
        principal = decode_token(secret, token)  # raises InvalidToken
        expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
        if isinstance(expires, int | float):
            if len(self._known) >= self.max_tokens:
                self._known.clear()
            self._known[(secret, token)] = (principal, float(expires))
        return principal


_verified_tokens = VerifiedTokens()


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "未登录或凭据无效", detail, headers=_CHALLENGE)


async def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None,
                       runtime: Runtime) -> Principal:
    if credentials is not None:
        presented = credentials.credentials
        prefix = api_key_prefix(presented)
        if prefix is None:
            try:
                return _verified_tokens.principal(runtime.jwt_secret, presented)
            except InvalidToken as exc:
                raise _unauthorized(f"令牌无效：{exc}") from exc
        async with runtime.uow() as uow:
            await autocommit(uow.session)  # its statements without BEGIN/COMMIT (the last-use UPDATE stands alone)
            caller = await repository.api_key_principal(uow.session, prefix, presented, runtime.clock.now())
            await uow.commit()
        if caller is None:
            raise _unauthorized("API 密钥不存在或已吊销")
        return caller
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _unauthorized("缺少令牌（Bearer）或登录会话，请先登录")
    async with runtime.uow() as uow:
        await autocommit(uow.session)
        found = await repository.session_user(uow.session, token, runtime.clock.now())
    if found is None:
        raise _unauthorized("会话已结束，请重新登录")
    caller, csrf = found
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != csrf:
        raise Problem(403, "无权操作", f"通过登录会话写入须带会话的 {CSRF_HEADER} 请求头")
    return caller

"""identity's commands: one function each, (command, uow) -> result. Only handlers commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.identity.domain.accounts import grant_problems, name_problem
from services.identity.domain.throttle import ThrottlePolicy, retry_after_s
from shared import errors as shared_errors
from shared.identity import repository
from shared.identity.passwords import dummy_verify, hash_password, password_problem, verify_password
from shared.identity.tokens import new_api_key, new_csrf_token, new_session_token
from shared.uow import UnitOfWork


class InvalidInput(shared_errors.InvalidInput):
    def __init__(self, errors: list[dict[str, str]]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


NotFound = shared_errors.NotFound
Conflict = shared_errors.Conflict


class SignInRefused(Exception):
    """Wrong name or password (which of the two is not told), or a disabled account."""


class Throttled(Exception):
    def __init__(self, retry_after_s: int):
        super().__init__(f"登录失败次数过多，请 {retry_after_s} 秒后再试")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class CreateUser:
    name: str
    display_name: str
    password: str
    roles: tuple[str, ...]
    units: tuple[str, ...]
    now: datetime


async def create_user(cmd: CreateUser, uow: UnitOfWork) -> dict[str, Any]:
    problems = grant_problems(cmd.roles, cmd.units)
    if problem := name_problem(cmd.name):
        problems.append({"field": "body.name", "message": problem})
    if problem := password_problem(cmd.password):
        problems.append({"field": "body.password", "message": problem})
    if problems:
        raise InvalidInput(problems)
    values = {"id": uuid.uuid4(), "name": cmd.name, "display_name": cmd.display_name or cmd.name,
              "password_hash": hash_password(cmd.password), "roles": sorted(set(cmd.roles)),
              "units": sorted(set(cmd.units)), "disabled": False, "created_at": cmd.now, "updated_at": cmd.now}
    if not await repository.add_user(uow.session, values):
        raise Conflict(f"用户 {cmd.name} 已存在")
    await uow.commit()
    return values


async def ensure_first_admin(uow: UnitOfWork, now: datetime, password: str) -> bool:
    """On a database without accounts, create `admin` with `password`; False when accounts exist."""
    if await repository.list_users(uow.session):
        return False
    await create_user(CreateUser("admin", "系统管理员", password, ("admin",), (), now), uow)
    return True


@dataclass(frozen=True)
class UpdateUser:
    name: str
    now: datetime
    display_name: str | None = None
    roles: tuple[str, ...] | None = None
    units: tuple[str, ...] | None = None
    disabled: bool | None = None
    password: str | None = None


async def update_user(cmd: UpdateUser, uow: UnitOfWork) -> dict[str, Any]:
    """Change an account; a new password, new grants or disabling end its sessions at once."""
    current = await repository.user_by_name(uow.session, cmd.name)
    if current is None:
        raise NotFound(f"没有用户 {cmd.name}")
    roles = cmd.roles if cmd.roles is not None else tuple(current["roles"])
    units = cmd.units if cmd.units is not None else tuple(current["units"])
    problems = grant_problems(roles, units)
    if cmd.password is not None and (problem := password_problem(cmd.password)):
        problems.append({"field": "body.password", "message": problem})
    if problems:
        raise InvalidInput(problems)
    values: dict[str, Any] = {"updated_at": cmd.now, "roles": sorted(set(roles)), "units": sorted(set(units))}
    if cmd.display_name is not None:
        values["display_name"] = cmd.display_name
    if cmd.disabled is not None:
        values["disabled"] = cmd.disabled
    if cmd.password is not None:
        values["password_hash"] = hash_password(cmd.password)
    row = await repository.update_user(uow.session, cmd.name, values)
    assert row is not None
    if cmd.disabled or cmd.password is not None or values["roles"] != sorted(current["roles"]) \
            or values["units"] != sorted(current["units"]):
        await repository.revoke_user_sessions(uow.session, row["id"], cmd.now)
    await uow.commit()
    return row


@dataclass(frozen=True)
class SignIn:
    name: str
    password: str
    address: str
    now: datetime
    ttl: timedelta
    policy: ThrottlePolicy


@dataclass(frozen=True)
class Session:
    token: str
    csrf_token: str
    user: dict[str, Any]
    expires_at: datetime


async def sign_in(cmd: SignIn, uow: UnitOfWork) -> Session:
    since = cmd.now - timedelta(seconds=cmd.policy.window_s)
    account, address = await repository.failures_since(uow.session, cmd.name, cmd.address, since)
    if (wait := retry_after_s(cmd.policy, account, address)) is not None:
        raise Throttled(wait)
    user = await repository.user_by_name(uow.session, cmd.name)
    if user is None:
        dummy_verify(cmd.password)
    if user is None or not verify_password(user["password_hash"], cmd.password) or user["disabled"]:
        await repository.record_failure(uow.session, cmd.name, cmd.address, cmd.now)
        await uow.commit()  # the failure counts even though the sign-in is refused
        raise SignInRefused("用户名或密码错误，或账号已停用")
    await repository.clear_failures(uow.session, cmd.name, cmd.now)
    token, csrf = new_session_token(), new_csrf_token()
    await repository.add_session(uow.session, token=token, user_id=user["id"], csrf_token=csrf, now=cmd.now,
                                 ttl=cmd.ttl, address=cmd.address)
    await uow.commit()
    return Session(token, csrf, user, cmd.now + cmd.ttl)


async def sign_out(token: str, uow: UnitOfWork, now: datetime) -> None:
    await repository.revoke_session(uow.session, token, now)
    await uow.commit()


@dataclass(frozen=True)
class CreateApiKey:
    name: str
    roles: tuple[str, ...]
    units: tuple[str, ...]
    created_by: str
    now: datetime


async def create_api_key(cmd: CreateApiKey, uow: UnitOfWork) -> tuple[str, dict[str, Any]]:
    """(the key, shown this once; the stored row)."""
    problems = grant_problems(cmd.roles, cmd.units)
    if not cmd.name.strip():
        problems.append({"field": "body.name", "message": "必填文本"})
    if problems:
        raise InvalidInput(problems)
    key, prefix, key_hash = new_api_key()
    values = {"id": uuid.uuid4(), "prefix": prefix, "key_hash": key_hash, "name": cmd.name,
              "roles": sorted(set(cmd.roles)), "units": sorted(set(cmd.units)), "created_by": cmd.created_by,
              "created_at": cmd.now, "revoked_at": None, "last_used_at": None}
    await repository.add_api_key(uow.session, values)
    await uow.commit()
    return key, values


async def revoke_api_key(key_id: uuid.UUID, uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    row = await repository.revoke_api_key(uow.session, key_id, now)
    if row is None:
        raise NotFound(f"没有 API 密钥 {key_id}")
    await uow.commit()
    return row

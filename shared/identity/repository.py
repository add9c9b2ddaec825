"""Reads and writes of accounts, sessions, API keys, sign-in failures and the audit trail. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import rowcount
from shared.identity.tables import api_keys, audit_trail, sessions, signin_failures, users
from shared.identity.tokens import digest

# last_used_at of an API key is written at most this often: a key used 100 times a second costs no writes.
LAST_USED_GRANULARITY = timedelta(seconds=60)


# --- users ----------------------------------------------------------------------------------------

async def user_by_name(session: AsyncSession, name: str) -> dict[str, Any] | None:
    row = (await session.execute(select(users).where(users.c.name == name))).mappings().first()
    return dict(row) if row else None


async def list_users(session: AsyncSession) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(select(users).order_by(users.c.name))).mappings()]


async def add_user(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """False when the name is taken."""
    result = await session.execute(pg_insert(users).values(**values).on_conflict_do_nothing(index_elements=["name"]))
    return rowcount(result) == 1


async def update_user(session: AsyncSession, name: str, values: Mapping[str, Any]) -> dict[str, Any] | None:
    row = (await session.execute(update(users).where(users.c.name == name).values(**values)
                                 .returning(users))).mappings().first()
    return dict(row) if row else None


# --- sessions -------------------------------------------------------------------------------------

async def add_session(session: AsyncSession, *, token: str, user_id: uuid.UUID, csrf_token: str, now: datetime,
                      ttl: timedelta, address: str | None) -> None:
    await session.execute(insert(sessions).values(
        token_hash=digest(token), user_id=user_id, csrf_token=csrf_token, created_at=now, expires_at=now + ttl,
        address=address))


async def session_user(session: AsyncSession, token: str, now: datetime) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session of an enabled user."""
    row = (await session.execute(
        select(users.c.name, users.c.roles, users.c.units, sessions.c.csrf_token)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == digest(token), sessions.c.revoked_at.is_(None),
               sessions.c.expires_at > now, users.c.disabled.is_(False)))).first()
    if row is None:
        return None
    return Principal(f"user:{row.name}", frozenset(row.roles), tuple(row.units)), row.csrf_token


async def revoke_session(session: AsyncSession, token: str, now: datetime) -> None:
    await session.execute(update(sessions).where(sessions.c.token_hash == digest(token),
                                                 sessions.c.revoked_at.is_(None)).values(revoked_at=now))


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    result = await session.execute(update(sessions).where(sessions.c.user_id == user_id,
                                                          sessions.c.revoked_at.is_(None)).values(revoked_at=now))
    return rowcount(result)


# --- API keys -------------------------------------------------------------------------------------

async def add_api_key(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(insert(api_keys).values(**values))


async def list_api_keys(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(select(api_keys).order_by(api_keys.c.created_at))
    return [dict(r) for r in rows.mappings()]


async def revoke_api_key(session: AsyncSession, key_id: uuid.UUID, now: datetime) -> dict[str, Any] | None:
    row = (await session.execute(update(api_keys).where(api_keys.c.id == key_id)
                                 .values(revoked_at=func.coalesce(api_keys.c.revoked_at, now))
                                 .returning(api_keys))).mappings().first()
    return dict(row) if row else None


async def api_key_principal(session: AsyncSession, prefix: str, key: str, now: datetime) -> Principal | None:
    """The principal of a live key (its last use recorded, at most once a minute)."""
    row = (await session.execute(select(api_keys).where(api_keys.c.prefix == prefix,
                                                        api_keys.c.revoked_at.is_(None)))).mappings().first()
    if row is None or row["key_hash"] != digest(key):
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USED_GRANULARITY:
        await session.execute(update(api_keys).where(api_keys.c.id == row["id"]).values(last_used_at=now))
    return Principal(f"apikey:{row['name']}", frozenset(row["roles"]), tuple(row["units"]))


# --- sign-in failures -----------------------------------------------------------------------------

async def record_failure(session: AsyncSession, name: str, address: str, now: datetime) -> None:
    await session.execute(insert(signin_failures).values(name=name, address=address, at=now))


async def failures_since(session: AsyncSession, name: str, address: str, since: datetime) -> tuple[int, int]:
    """(failures of the account, failures from the address) after `since`."""
    by_name = select(func.count()).where(signin_failures.c.name == name, signin_failures.c.at > since)
    by_address = select(func.count()).where(signin_failures.c.address == address, signin_failures.c.at > since)
    row = (await session.execute(select(by_name.scalar_subquery(), by_address.scalar_subquery()))).one()
    return int(row[0]), int(row[1])


async def clear_failures(session: AsyncSession, name: str, before: datetime) -> None:
    await session.execute(delete(signin_failures).where(signin_failures.c.name == name,
                                                        signin_failures.c.at < before))


# --- audit trail ----------------------------------------------------------------------------------

async def add_audit_entry(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(insert(audit_trail).values(**values))


async def audit_entries(session: AsyncSession, *, actor: str | None, path_prefix: str | None,
                        since: datetime | None, until: datetime | None, before_id: int | None,
                        limit: int) -> list[dict[str, Any]]:
    """Newest first; `before_id` is the cursor (the last id of the previous page)."""
    query = select(audit_trail).order_by(audit_trail.c.id.desc()).limit(limit)
    conditions: Sequence[Any] = [
        c for c in (
            audit_trail.c.actor == actor if actor else None,
            audit_trail.c.path.startswith(path_prefix, autoescape=True) if path_prefix else None,
            audit_trail.c.at >= since if since else None,
            audit_trail.c.at < until if until else None,
            audit_trail.c.id < before_id if before_id else None,
        ) if c is not None]
    if conditions:
        query = query.where(*conditions)
    return [dict(r) for r in (await session.execute(query)).mappings()]

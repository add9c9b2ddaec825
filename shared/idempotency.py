"""Idempotency-Key, one mechanism for every service: keys belong to (caller, method, route).

A write that carries `Idempotency-Key` first *claims* the key in the command's own transaction
(INSERT … ON CONFLICT DO NOTHING on (caller subject, method, route template, key)), so the key and
the command's rows commit or roll back together; a second request with the same key waits on the
first's row lock. After the command committed, its answer (status and JSON body) is stored on the
claim. Then:

- the same caller, same key, same request (method, path, query and body hashed) → the stored
  answer again (a 201 is replayed as 200 — the resource exists now) and nothing is done twice;
- the same caller and key with a different request → 422 `…/idempotency-key-reused`;
- another caller's key, however equal, is another key: its own, new resource;
- a claim whose answer was never stored (the process died between commit and store) → 409;
- keys expire after `KEY_TTL` (24 h): expired ones are purged on every claim and may be reused.

Why one table instead of the old per-service `idempotency_key` columns: those were unique across
every caller (the leak of issue 11) and kept no request hash nor answer, and each service had
its own replay rules; one table keyed by caller with the answer stored is simpler and the same
everywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Conflict, InvalidInput
from shared.idempotency_tables import idempotency_keys
from shared.validation import api_time

KEY_TTL = timedelta(hours=24)
KEY_REUSED = "urn:m2c:problem:idempotency-key-reused"
KEY_IN_DOUBT = "urn:m2c:problem:idempotency-key-in-doubt"


class KeyReused(InvalidInput):
    problem_type = KEY_REUSED
    default_title = "Idempotency-Key 已用于其他请求"


class KeyInDoubt(Conflict):
    problem_type = KEY_IN_DOUBT
    default_title = "Idempotency-Key 的首次结果未知"


@dataclass(frozen=True)
class KeyScope:
    caller: str
    method: str
    route: str
    key: str

    def where(self) -> Any:
        t = idempotency_keys.c
        return (t.caller == self.caller) & (t.method == self.method) & (t.route == self.route) & (t.key == self.key)


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any


def request_hash(method: str, path: str, query: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


async def claim(session: AsyncSession, scope: KeyScope, digest: str, now: datetime) -> StoredAnswer | None:
    """None: the key is ours now, go on (in this transaction). Otherwise the answer stored the first
    time; KeyReused when the first request differed, KeyInDoubt when its answer was never stored."""
    await session.execute(delete(idempotency_keys).where(idempotency_keys.c.created_at < now - KEY_TTL))
    claimed = await session.execute(
        insert(idempotency_keys)
        .values(caller=scope.caller, method=scope.method, route=scope.route, key=scope.key,
                request_hash=digest, created_at=now)
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.key))
    if claimed.first() is not None:
        return None
    row = (await session.execute(select(idempotency_keys).where(scope.where()))).mappings().one()
    if row["request_hash"] != digest:
        raise KeyReused(f"Idempotency-Key {scope.key!r} 自 {api_time(row['created_at'])} 起已用于另一请求；"
                        "新请求请用新的键",
                        errors=[{"field": "header.Idempotency-Key", "message": "已用于另一请求"}])
    if row["status"] is None:
        raise KeyInDoubt(f"带 Idempotency-Key {scope.key!r} 的首次请求未保存其应答；"
                         "请先查询该资源，再用新的键重试")
    return StoredAnswer(row["status"], row["body"])


async def store(session: AsyncSession, scope: KeyScope, status: int, body: Any) -> None:
    await session.execute(update(idempotency_keys).where(scope.where()).values(status=status, body=body))

"""Large read bodies serialised once and served again while what they were built from is unchanged.

A read names its body by a key that changes whenever the body would: a fingerprint of its rows that
PostgreSQL computes in the read's own transaction (tickets), or an immutable record such as a
published scoring revision. Nothing is served on time alone, so processes that share one database
never disagree about what it holds; each process keeps its own bodies (app.state), a bounded number.

Bodies are JSON bytes from pydantic-core's encoder — what FastAPI itself sends for a response model,
without validating and encoding the same content again on every request. Each carries an ETag (a hash
of its bytes, made once): a client that sends it back in If-None-Match gets 304 and no body.

The key's own statement runs on a pooled connection's driver (`statement_connection`): no ORM session,
no transaction, one round trip, and the connection back in the pool before the body is sent.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from fastapi import Request, Response
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util import greenlet_spawn

from shared.http.pool_slots import slots

JSON = "application/json"
MAX_BODIES = 128


def etag_of(body: bytes) -> str:
    """A strong validator for `body` (RFC 9110 8.8.3): equal bytes, equal tags."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class BodyCache:
    """The most recently used bodies by key (least recently used dropped beyond `max_bodies`), each with its ETag."""

    def __init__(self, max_bodies: int = MAX_BODIES) -> None:
        self._bodies: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()
        self.max_bodies = max_bodies
        self.hits = 0
        self.misses = 0

    def lookup(self, key: Hashable) -> tuple[bytes, str] | None:
        """The body stored under `key` and its ETag."""
        found = self._bodies.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._bodies.move_to_end(key)
        return found

    def get(self, key: Hashable) -> bytes | None:
        found = self.lookup(key)
        return None if found is None else found[0]

    def put(self, key: Hashable, body: bytes, etag: str | None = None) -> str:
        """Store `body` under `key`; its ETag."""
        etag = etag or etag_of(body)
        self._bodies[key] = (body, etag)
        self._bodies.move_to_end(key)
        while len(self._bodies) > self.max_bodies:
            self._bodies.popitem(last=False)
        return etag

    def __len__(self) -> int:
        return len(self._bodies)


def body_cache(request: Request) -> BodyCache:
    """The app's (this process's) cache, made on first use."""
    cache = getattr(request.app.state, "body_cache", None)
    if cache is None:
        cache = request.app.state.body_cache = BodyCache()
    return cache


def json_bytes(content: Any) -> bytes:
    """Compact UTF-8 JSON of a model, or of dicts and lists of JSON-able values (datetimes, UUIDs, …)."""
    return to_json(content)


def json_body(body: bytes, status_code: int = 200, etag: str | None = None) -> Response:
    return Response(body, status_code=status_code, media_type=JSON, headers={"ETag": etag} if etag else None)


def _matches(request: Request, etag: str) -> bool:
    """If-None-Match names this body (a list of tags or *; weak comparison, RFC 9110 13.1.2)."""
    wanted = request.headers.get("if-none-match")
    if not wanted:
        return False
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
    return "*" in tags or etag in tags


async def cached_json(request: Request, key: Hashable, build: Callable[[], Awaitable[Any]],
                      still: Callable[[], Awaitable[bool]] | None = None) -> Response:
    """The body stored under `key`, or `build()`'s content serialised — and stored under `key` when
    `still()` confirms the key still names what was read (a write may commit between the statement
    that made the key and those that built the body). 304 without a body when the request's
    If-None-Match names it."""
    cache = body_cache(request)
    found = cache.lookup(key)
    if found is None:
        body = json_bytes(await build())
        etag = etag_of(body)
        if still is None or await still():
            cache.put(key, body, etag)
    else:
        body, etag = found
    await _release_read_session()
    if _matches(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return json_body(body, etag=etag)


async def autocommit(session: AsyncSession) -> None:
    """Run the session's statements without BEGIN and ROLLBACK: two round trips fewer for a read
    that needs no transaction (each statement sees what was committed when it started). Call it
    before the session's first statement; the pool restores the connection's isolation level."""
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


# The session of this request's cached read (set by reads_only, in the request's own context).
_read_session: ContextVar[AsyncSession | None] = ContextVar("m2c_read_session", default=None)


async def reads_only(session: AsyncSession) -> None:
    """`autocommit` for a read whose body `cached_json` serves: cached_json closes the session (its
    connection back to the pool) once it has the body, before the body is sent — sending a large
    body waits for the client to read it (flow control), and a connection held meanwhile is one a
    burst of readers lacks (the pool then opens and closes overflow connections)."""
    await autocommit(session)
    _read_session.set(session)


async def _release_read_session() -> None:
    session = _read_session.get()
    if session is not None:
        _read_session.set(None)
        await session.close()  # the unit of work's own exit closes it again: a no-op


@asynccontextmanager
async def statement_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled connection's driver connection (asyncpg) for a statement or two that name a cached
    body: no session, no transaction (each statement sees what was committed when it started; the
    driver prepares it once per connection), back in the pool as soon as the block ends. A fraction
    of a session's CPU per request; the pool's checkout still replaces a connection the server closed."""
    # At most half the pool's connections at once (shared.http.pool_slots): no overflow churn.
    async with slots(engine, "statements", 0.5):
        pooled = await engine.raw_connection()
        try:
            yield pooled.driver_connection
        finally:
            await greenlet_spawn(pooled.close)

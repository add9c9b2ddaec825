"""Large read bodies serialised once and served again while what they were built from is unchanged.

A read names its body by a key that changes whenever the body would: a fingerprint of its rows that
PostgreSQL computes in the read's own transaction (tickets), or an immutable record such as a
published scoring revision. Nothing is served on time alone, so processes that share one database
never disagree about what it holds; each process keeps its own bodies (app.state), a bounded number.

Bodies are JSON bytes from pydantic-core's encoder — what FastAPI itself sends for a response model,
without validating and encoding the same content again on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from fastapi import Request, Response
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

JSON = "application/json"
MAX_BODIES = 128


class BodyCache:
    """The most recently used bodies by key (least recently used dropped beyond `max_bodies`)."""

    def __init__(self, max_bodies: int = MAX_BODIES) -> None:
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self.max_bodies = max_bodies
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        body = self._bodies.get(key)
        if body is None:
            self.misses += 1
            return None
        self.hits += 1
        self._bodies.move_to_end(key)
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        self._bodies[key] = body
        self._bodies.move_to_end(key)
        while len(self._bodies) > self.max_bodies:
            self._bodies.popitem(last=False)

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


def json_body(body: bytes, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type=JSON)


async def cached_json(request: Request, key: Hashable, build: Callable[[], Awaitable[Any]],
                      still: Callable[[], Awaitable[bool]] | None = None) -> Response:
    """The body stored under `key`, or `build()`'s content serialised — and stored under `key` when
    `still()` confirms the key still names what was read (a write may commit between the statement
    that made the key and those that built the body)."""
    cache = body_cache(request)
    body = cache.get(key)
    if body is None:
        body = json_bytes(await build())
        if still is None or await still():
            cache.put(key, body)
    return json_body(body)


async def reads_only(session: AsyncSession) -> None:
    """Run this request's statements without BEGIN and ROLLBACK: two round trips fewer for a read
    that needs no transaction (each statement sees what was committed when it started). Call it
    before the session's first statement; the pool restores the connection's isolation level."""
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

"""How many of a process's requests may hold a pooled connection at once (used by the read-key
statements of shared/http/read_cache.py).

The pool keeps `size()` connections and opens overflow ones beyond them, closing each again when it
comes back to a full pool. Under a burst of concurrent requests (20 readers against a pool of 10)
that is a new PostgreSQL backend — connect, authentication, the driver's set-up statements, a fork
on the server — for a few requests' worth of use, and requests wait on it at the tail. A request
that waits a moment for a slot instead costs nothing; the overflow stays for the background workers
and for units of work. (Requests' units of work are not limited: they hold their connection until the
response is sent, and a limit on them measured a longer tail for the tickets list, 2.1 vs 1.2 p99 ratio.)
"""

from __future__ import annotations

import asyncio
import weakref

from sqlalchemy.ext.asyncio import AsyncEngine

_slots: weakref.WeakKeyDictionary[AsyncEngine, dict[str, asyncio.Semaphore]] = weakref.WeakKeyDictionary()


def slots(engine: AsyncEngine, kind: str, share: float) -> asyncio.Semaphore:
    """The engine's semaphore for `kind` of use: `share` of the pool's steady size (at least 1)."""
    kinds = _slots.get(engine)
    if kinds is None:
        kinds = _slots[engine] = {}
    found = kinds.get(kind)
    if found is None:
        size = getattr(engine.sync_engine.pool, "size", lambda: 2)()
        found = kinds[kind] = asyncio.Semaphore(max(1, int(size * share)))
    return found

"""A worker's pause that a PostgreSQL NOTIFY cuts short: LISTEN on a connection of its own.

A trigger NOTIFies a channel when work is committed (e.g. a webhook delivery queued); the worker
pauses through `PgWake.pause`, which returns at once when a notification came since the last
`arm()`. Polling stays the fallback: the pause still ends after its timeout, and while the LISTEN
connection is missing (database away, not PostgreSQL) it is re-tried at most every `retry_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.log_throttle import ThrottledLog
from shared.messaging.failures import describe

log = logging.getLogger(__name__)


class PgWake:
    def __init__(self, engine: AsyncEngine | None, channel: str, *, retry_s: float = 5.0) -> None:
        self._engine = engine
        self.channel = channel
        self._retry_s = retry_s
        self._event = asyncio.Event()
        self._conn: Any = None
        self._tried_at = float("-inf")
        self._throttled = ThrottledLog(log)

    async def arm(self) -> None:
        """Before looking for work: (re)listen if needed, and forget notifications already seen."""
        await self._listen()
        self._event.clear()

    async def _listen(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            return
        if time.monotonic() - self._tried_at < self._retry_s:
            return
        self._tried_at = time.monotonic()
        url = self._engine.url if self._engine is not None else None
        if url is None or not url.drivername.startswith("postgresql"):
            return
        try:
            conn = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
            await conn.add_listener(self.channel, lambda *_: self._event.set())
        except Exception as exc:
            self._throttled.log(logging.WARNING, "listen", "cannot LISTEN on %s (polling meanwhile): %s",
                                self.channel, describe(exc))
            return
        self._conn = conn

    async def pause(self, stop: asyncio.Event, timeout_s: float) -> None:
        """Until `timeout_s` has passed, a notification came, or `stop` is set."""
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._event.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._conn.close(), 5)
            self._conn = None

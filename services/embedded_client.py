"""The embedded all-in-one started in this process and an HTTP client for it (ASGI, no network): the
one start-up the demo loader, `m2c report` and the tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.embedded import build_app
from shared.clock import Clock
from shared.settings import Settings

IN_APP_BASE = "http://m2c"


class EmbeddedClient(httpx.AsyncClient):
    """An httpx client wired to the app it calls (`app`: for its runtime, in tests)."""

    def __init__(self, app: FastAPI, *, timeout_s: float, headers: Mapping[str, str] | None = None):
        super().__init__(transport=httpx.ASGITransport(app=app), base_url=IN_APP_BASE, headers=headers,
                         timeout=timeout_s)
        self.app = app


@asynccontextmanager
async def embedded_client(settings: Settings, *, clock: Clock | None = None, request_timeout_s: float = 5.0,
                          headers: Mapping[str, str] | None = None) -> AsyncIterator[EmbeddedClient]:
    """The embedded app over `settings.database_url` (migrated) started with its lifespan (in-process
    events, relay, workers) on `clock`, and a client for it; both stop when the block ends."""
    app = build_app(settings, clock=clock)
    async with app.router.lifespan_context(app), EmbeddedClient(app, timeout_s=request_timeout_s,
                                                                 headers=headers) as client:
        yield client

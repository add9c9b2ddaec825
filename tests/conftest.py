"""Fixtures that wire services (shared/testing cannot import services)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.embedded import build_app
from shared.settings import Settings


@pytest.fixture
async def embedded(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded all-in-one app (in-process events, relay running) and a client for it."""
    app = build_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c") as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client

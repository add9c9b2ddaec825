"""Fixtures that wire services (shared/testing cannot import services)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.settings import Settings
from tests.helpers import EmbeddedClient, embedded_client


@pytest.fixture
async def embedded(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    """The embedded all-in-one app (in-process events, relay running) and a client for it."""
    async with embedded_client(settings) as client:
        yield client

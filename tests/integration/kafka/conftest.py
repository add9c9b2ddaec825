"""Production-mode wiring over the real broker: separate service apps in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest

from services.registry import SERVICES
from shared.http.app import create_app
from shared.settings import Settings

pytestmark = pytest.mark.kafka


@dataclass
class Services:
    audit_link: httpx.AsyncClient
    alerts: httpx.AsyncClient
    settings: Settings


async def _client(stack: AsyncExitStack, app) -> httpx.AsyncClient:
    await stack.enter_async_context(app.router.lifespan_context(app))
    client = await stack.enter_async_context(
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2c"))
    client.app = app  # type: ignore[attr-defined]
    return client


async def start_services(stack: AsyncExitStack, settings: Settings, *, relay: bool) -> Services:
    audit = await _client(stack, create_app(settings, [SERVICES["audit-link"]()], run_relay=relay))
    alerts = await _client(stack, create_app(settings, [SERVICES["alerts"]()]))
    return Services(audit, alerts, settings)


@pytest.fixture
async def kafka_services(kafka_settings: Settings) -> AsyncIterator[Services]:
    """audit_link (with an outbox relay) and alerts as two apps talking only through Kafka."""
    async with AsyncExitStack() as stack:
        yield await start_services(stack, kafka_settings, relay=True)

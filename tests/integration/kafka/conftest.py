"""Production-mode wiring over the real broker: separate service apps in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from services.registry import SERVICES
from shared.clock import ManualClock
from shared.http.app import create_app
from shared.settings import Settings
from tests.helpers import EmbeddedClient, org_of, seed_org_units

pytestmark = pytest.mark.kafka


@dataclass
class Services:
    audit_link: EmbeddedClient
    alerts: EmbeddedClient
    settings: Settings


async def _client(stack: AsyncExitStack, app: FastAPI) -> EmbeddedClient:
    await stack.enter_async_context(app.router.lifespan_context(app))
    return await stack.enter_async_context(EmbeddedClient(app, timeout_s=5.0))


async def start_services(stack: AsyncExitStack, settings: Settings, *, relay: bool) -> Services:
    await seed_org_units(settings.required_database_url(), org_of("QY-QC-01", "QY-LS-02", "QY-YD-03"))
    # Mid-October: the events these tests count are theirs alone (from 1 Nov audit_link's scanner would
    # also announce CalendarYearMissing while next year's calendar is not loaded).
    clock = ManualClock(datetime(2026, 10, 15, 2, tzinfo=UTC))
    audit = await _client(stack, create_app(settings, [SERVICES["audit-link"]()], run_relay=relay, clock=clock))
    alerts = await _client(stack, create_app(settings, [SERVICES["alerts"]()], clock=clock))
    return Services(audit, alerts, settings)


@pytest.fixture
async def kafka_services(kafka_settings: Settings) -> AsyncIterator[Services]:
    """audit_link (with an outbox relay) and alerts as two apps talking only through Kafka."""
    async with AsyncExitStack() as stack:
        yield await start_services(stack, kafka_settings, relay=True)

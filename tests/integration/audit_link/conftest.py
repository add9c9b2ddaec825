"""audit_link integration fixtures: the embedded app on a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import text

from shared.clock import ManualClock
from shared.settings import Settings
from tests.helpers import embedded_client

# Tuesday 30 Sep 2025, 10:00 in Shanghai: 1–8 Oct are holidays, Sat 11 Oct a make-up working day.
START = datetime.fromisoformat("2025-09-30T10:00:00+08:00")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app_client(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded app (all services, in-process events, relay, SLA scanner) on `clock`."""
    async with embedded_client(settings, clock=clock) as client:
        yield client


async def outbox_events(client: httpx.AsyncClient, event_type: str) -> list[dict]:
    """The `data` of every event of this type the app wrote to its outbox, in order."""
    async with client.app.state.runtime.session_factory() as s:  # type: ignore[attr-defined]
        rows = await s.execute(text("SELECT payload FROM m2c_outbox WHERE event_type = :t ORDER BY id"),
                               {"t": event_type})
        return [r[0]["data"] for r in rows]


async def scalar(client: httpx.AsyncClient, sql: str, **params):
    async with client.app.state.runtime.session_factory() as s:  # type: ignore[attr-defined]
        return (await s.execute(text(sql), params)).scalar_one()

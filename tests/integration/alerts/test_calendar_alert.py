"""CalendarYearMissing from audit_link becomes one warning alert per year, updated daily."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest

from services.audit_link.entrypoints import workers
from shared.clock import ManualClock
from shared.settings import Settings
from tests.helpers import EmbeddedClient, embedded_client, eventually, runtime_of
from tests.integration.alerts.support import ADMIN, rows


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.fromisoformat("2026-10-20T10:00:00+08:00"))


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, clock=clock) as client:
        yield client


async def _calendar_alerts(client: httpx.AsyncClient) -> list[dict]:
    r = await client.get("/api/v1/alerts", headers=ADMIN)
    assert r.status_code == 200, r.text
    return [a for a in r.json()["items"] if a["type"] == "CalendarYearMissing"]


async def test_missing_calendar_raises_one_warning_per_year(app: httpx.AsyncClient, clock: ManualClock) -> None:
    runtime = runtime_of(app)
    await workers.calendar_duties(runtime)
    assert await _calendar_alerts(app) == []  # 20 Oct: before the check date (1 Nov)

    clock.set(datetime.fromisoformat("2026-11-02T09:00:00+08:00"))
    await workers.calendar_duties(runtime)
    [a] = await eventually(lambda: _calendar_alerts(app))
    assert (a["severity"], a["state"], a["count"], a["unit"]) == ("warning", "firing", 1, "M2C")
    assert a["fingerprint"] == "CalendarYearMissing:M2C:2027" and a["labels"]["year"] == "2027"
    assert "2027" in a["summary"] and "工作日历" in a["summary"]

    clock.set(datetime.fromisoformat("2026-11-03T09:00:00+08:00"))
    await workers.calendar_duties(runtime)

    async def counted_twice():
        items = await _calendar_alerts(app)
        return items if items and items[0]["count"] == 2 else None

    [again] = await eventually(counted_twice)
    assert again["id"] == a["id"]  # the same alert, updated
    events = await rows(runtime, "SELECT event_type FROM m2c_outbox WHERE topic = 'm2c.alerts.v1' ORDER BY id")
    assert [e["event_type"] for e in events][:1] == ["AlertRaised"]

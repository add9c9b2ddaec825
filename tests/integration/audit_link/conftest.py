"""audit_link integration fixtures: the embedded app on a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import text

from shared.clock import ManualClock
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import EmbeddedClient, embedded_client, runtime_of

# Tuesday 30 Sep 2025, 10:00 in Shanghai: 1–8 Oct are holidays, Sat 11 Oct a make-up working day.
START = datetime.fromisoformat("2025-09-30T10:00:00+08:00")
# The org units the audit tests write facts for (every audit write checks the unit exists).
COUNTIES = {"QY-QC": "清城区供电局", "QY-YD": "英德市供电局", "QY-QCX": "清新区供电局"}
ORG = [{"code": "QY", "name": "清远供电局", "level": "city"}]
ORG += [{"code": c, "name": n, "level": "county", "parent": "QY"} for c, n in COUNTIES.items()]
ORG += [{"code": f"QY-QC-{i:02d}", "name": f"清城{i}所", "level": "station", "parent": "QY-QC", "area_type": "urban"}
        for i in range(13)]
ORG += [{"code": f"QY-YD-{i:02d}", "name": f"英德{i}所", "level": "station", "parent": "QY-YD", "area_type": "rural"}
        for i in range(1, 4)]
ORG += [{"code": "QY-QCX-01", "name": "太和供电所", "level": "station", "parent": "QY-QCX", "area_type": "urban"}]


async def seed_org(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/org-units", json={"units": ORG}, headers=token("admin"))
    assert r.status_code == 200, r.text


# Before the yearly calendar check (1 Nov): no CalendarYearMissing unless a test moves the clock there.
MID_OCTOBER = datetime.fromisoformat("2026-10-15T02:00:00+00:00")  # 10:00 in Shanghai


@pytest.fixture
async def embedded(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    """The embedded app with the test org tree, on a fixed clock (mid-October 2026: the periods the
    tests report for have begun, next year's calendar check has not)."""
    async with embedded_client(settings, clock=ManualClock(MID_OCTOBER)) as client:
        await seed_org(client)
        yield client


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app_client(settings: Settings, clock: ManualClock) -> AsyncIterator[EmbeddedClient]:
    """The embedded app (all services, in-process events, relay, SLA scanner) on `clock`."""
    async with embedded_client(settings, clock=clock) as client:
        await seed_org(client)
        yield client


async def outbox_events(client: httpx.AsyncClient, event_type: str) -> list[dict]:
    """The `data` of every event of this type the app wrote to its outbox, in order."""
    async with runtime_of(client).session_factory() as s:
        rows = await s.execute(text("SELECT payload FROM m2c_outbox WHERE event_type = :t ORDER BY id"),
                               {"t": event_type})
        return [r[0]["data"] for r in rows]


async def scalar(client: httpx.AsyncClient, sql: str, **params):
    async with runtime_of(client).session_factory() as s:
        return (await s.execute(text(sql), params)).scalar_one()

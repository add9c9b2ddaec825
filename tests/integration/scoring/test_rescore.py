"""A late ErrorReported re-scores its already-scored period: once per burst, after the delay, and not
again when someone scored the period by hand in between (DESIGN §3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import text

from services.scoring.entrypoints.workers import RESCORED_BY, rescore_due
from shared.clock import ManualClock
from shared.settings import Settings
from tests.helpers import ERROR_BODY, EmbeddedClient, embedded_client, eventually, runtime_of
from tests.integration.scoring.conftest import ADMIN, ORG

PERIOD = ERROR_BODY["period"]
STATION = ERROR_BODY["unit"]
DELAY_S = 60.0
COUNTERS = {
    "readings_planned": 10000, "readings_done": 9990, "uploads_overdue": 2, "one_stop_due": 1000,
    "one_stop_done": 950, "bills_issued": 20000, "bills_erroneous": 1, "anomalies_overdue": 3,
    "receivable_rollbacks": 1, "recon_due": 100, "recon_done": 98, "writeoffs_next_day": 0,
}


@pytest.fixture
async def client(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[EmbeddedClient]:
    """The embedded app on a clock the test moves; the background re-scorer looks only at start-up,
    so the test drives rescore_due() itself."""
    monkeypatch.setenv("M2C_SCORING_RESCORE_INTERVAL_S", "3600")
    clock = ManualClock(datetime.fromisoformat("2026-11-05T10:00:00+08:00"))
    async with embedded_client(settings, clock=clock) as c:
        for r in (await c.post("/api/v1/org-units", json={"units": ORG}, headers=ADMIN),
                  await c.put(f"/api/v1/facts/{PERIOD}/counters", headers=ADMIN, json={
                      "batch_id": "b-1", "rows": [{"unit": STATION, "counters": COUNTERS}]})):
            assert r.status_code == 200, r.text
        yield c


def runtime(client: httpx.AsyncClient):
    return runtime_of(client)


async def rows(client: httpx.AsyncClient, sql: str) -> list[tuple]:
    async with runtime(client).session_factory() as s:
        return [tuple(r) for r in await s.execute(text(sql))]


async def erroneous_bills(client: httpx.AsyncClient) -> int:
    got = await rows(client, "SELECT coalesce(sum(value), 0) FROM scoring_counters WHERE counter = 'bills_erroneous'")
    return got[0][0]


async def report_errors(client: httpx.AsyncClient, n: int) -> None:
    """n errors, then wait until scoring has counted them (its consumer runs in the background)."""
    before = await erroneous_bills(client)
    for _ in range(n):
        assert (await client.post("/api/v1/errors", json=ERROR_BODY, headers=ADMIN)).status_code == 201

    async def counted() -> bool:
        return await erroneous_bills(client) == before + n

    await eventually(counted)


async def revisions(client: httpx.AsyncClient) -> list[dict]:
    r = await client.get(f"/api/v1/periods/{PERIOD}/revisions", headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def station_score(client: httpx.AsyncClient, revision: int) -> float:
    r = await client.get(f"/api/v1/scores/{PERIOD}/{STATION}", params={"revision": revision}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()["score"]


async def score_by_hand(client: httpx.AsyncClient) -> None:
    # QY-QC-02 and QY-YD-01 have no facts: published as incomplete by choice, which the re-scorer reuses
    r = await client.post(f"/api/v1/periods/{PERIOD}/score", params={"allow_incomplete": "true"}, headers=ADMIN)
    assert r.status_code == 201, r.text


async def test_late_errors_rescore_their_period_once_after_the_delay(client: httpx.AsyncClient) -> None:
    await score_by_hand(client)
    clock = runtime(client).clock

    await report_errors(client, 3)
    assert await rows(client, "SELECT period, events, due_at FROM scoring_rescore_requests") == [(PERIOD, 3, None)]
    assert await rescore_due(runtime(client), DELAY_S) == []  # due in DELAY_S: more errors may follow
    clock.advance(seconds=DELAY_S - 1)
    await report_errors(client, 1)
    assert await rescore_due(runtime(client), DELAY_S) == []
    assert await rows(client, "SELECT events FROM scoring_rescore_requests") == [(4,)]

    clock.advance(seconds=2)
    assert await rescore_due(runtime(client), DELAY_S) == [PERIOD]
    assert await rescore_due(runtime(client), DELAY_S) == []

    runs = await revisions(client)
    assert [(r["revision"], r["created_by"]) for r in runs][1:] == [(2, RESCORED_BY)]
    # two stations have no facts: the re-scorer reused the choice of revision 1 instead of a 409
    assert [r["allow_incomplete"] for r in runs] == [True, True]
    # the register's 4 erroneous bills outnumber the imported 1: max(1, 4) = 4, never 1 + 4 (docs/scoring.md)
    assert await station_score(client, 2) < await station_score(client, 1)
    detail = (await client.get(f"/api/v1/scores/{PERIOD}/{STATION}", params={"revision": 2}, headers=ADMIN)).json()
    ber = next(i for i in detail["indicators"] if i["code"] == "bill_error_rate")
    assert ber["inputs"]["bills_erroneous"] == 4.0
    published = await rows(client, "SELECT payload->'data'->>'revision' FROM m2c_outbox"
                                    " WHERE event_type = 'ScoresPublished' ORDER BY id")
    assert published == [("1",), ("2",)]
    assert await rows(client, "SELECT count(*) FROM scoring_rescore_requests") == [(0,)]


async def test_a_period_scored_by_hand_meanwhile_is_not_scored_again(client: httpx.AsyncClient) -> None:
    await score_by_hand(client)
    await report_errors(client, 1)
    assert await rescore_due(runtime(client), DELAY_S) == []
    await score_by_hand(client)  # revision 2 already counts the late error

    runtime(client).clock.advance(seconds=DELAY_S + 1)
    assert await rescore_due(runtime(client), DELAY_S) == []
    assert [r["revision"] for r in await revisions(client)] == [1, 2]


async def test_errors_of_a_period_never_scored_wait_for_its_first_scoring(client: httpx.AsyncClient) -> None:
    await report_errors(client, 2)
    assert await rows(client, "SELECT count(*) FROM scoring_rescore_requests") == [(0,)]
    runtime(client).clock.advance(seconds=DELAY_S + 1)
    assert await rescore_due(runtime(client), DELAY_S) == []
    assert await revisions(client) == []

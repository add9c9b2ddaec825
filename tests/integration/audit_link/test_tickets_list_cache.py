"""The tickets list serves a stored body only while its tickets are unchanged: a change through the API,
straight in the database, by another process (another app on the same database) or the clock passing
a deadline shows in the very next read."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text

from shared.http.read_cache import BodyCache
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import app_of, embedded_client, runtime_of
from tests.integration.audit_link.conftest import MID_OCTOBER, seed_org

CS = token("customer_service", subject="cs-li")
MARKETING = token("marketing", subject="mk-wang")
ADMIN = token("admin")
TICKET = {"unit": "QY-QC-01", "period": "2025-08", "reason": "low_score", "detail": "得分 72 分"}


def _cache(client: httpx.AsyncClient) -> BodyCache:
    return app_of(client).state.body_cache


async def _list(client: httpx.AsyncClient, query: str = "", headers=ADMIN) -> dict:
    r = await client.get(f"/api/v1/tickets{query}", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return r.json()


async def _sql(client: httpx.AsyncClient, sql: str, **params) -> None:
    async with runtime_of(client).engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_a_stored_page_is_served_until_a_ticket_changes(app_client: httpx.AsyncClient, clock) -> None:
    r = await app_client.post("/api/v1/tickets", json=TICKET, headers=CS)
    assert r.status_code == 201, r.text
    t = r.json()
    first = await _list(app_client)
    hits = _cache(app_client).hits
    assert await _list(app_client) == first and _cache(app_client).hits == hits + 1  # served again

    r = await app_client.post(f"/api/v1/tickets/{t['id']}/transitions", json={"action": "coordinate"},
                              headers=MARKETING)
    assert r.status_code == 200, r.text
    [item] = (await _list(app_client))["items"]
    assert item["state"] == "coordinated" and item["version"] == t["version"] + 1

    # A change no handler made (another tool, a migration) shows too: the key is the rows' own digest.
    await _sql(app_client, "UPDATE audit_ticket_sla SET escalation_level = 2 WHERE ticket_id = :i", i=t["id"])
    assert (await _list(app_client))["items"][0]["escalation_level"] == 2
    await _sql(app_client, "UPDATE audit_tickets SET detail = '得分 71 分' WHERE id = :i", i=t["id"])
    assert (await _list(app_client))["items"][0]["detail"] == "得分 71 分"

    # Nothing changes but time: the ticket falls overdue at its deadline.
    assert (await _list(app_client))["items"][0]["overdue"] is False
    clock.advance(days=30)
    assert (await _list(app_client))["items"][0]["overdue"] is True
    assert [i["id"] for i in (await _list(app_client, "?overdue=true"))["items"]] == [t["id"]]


async def test_pages_differ_by_filter_cursor_and_scope(app_client: httpx.AsyncClient) -> None:
    ids = []
    for unit in ("QY-QC-01", "QY-QC-02", "QY-YD-01"):
        r = await app_client.post("/api/v1/tickets", json={**TICKET, "unit": unit}, headers=CS)
        ids.append(r.json()["id"])
    everything = await _list(app_client)
    assert [i["id"] for i in everything["items"]] == ids
    page = await _list(app_client, "?limit=2")
    assert [i["id"] for i in page["items"]] == ids[:2] and page["next_cursor"] is not None
    rest = await _list(app_client, f"?limit=2&cursor={page['next_cursor']}")
    assert [i["id"] for i in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    station = token("station", units=("QY-QC-02",))
    assert [i["id"] for i in (await _list(app_client, headers=station))["items"]] == [ids[1]]
    assert [i["id"] for i in (await _list(app_client, "?unit=QY-YD"))["items"]] == [ids[2]]
    assert await _list(app_client) == everything


async def test_another_process_write_shows_at_once(settings: Settings) -> None:
    """Two apps over one database, as two replicas: each keeps its own bodies, neither serves a stale one."""
    from shared.clock import ManualClock

    clock = ManualClock(MID_OCTOBER - timedelta(days=40))
    async with embedded_client(settings, clock=clock) as a, embedded_client(settings, clock=clock) as b:
        await seed_org(a)
        r = await a.post("/api/v1/tickets", json=TICKET, headers=CS)
        t = r.json()
        assert [i["state"] for i in (await _list(a))["items"]] == ["issued"]
        assert [i["state"] for i in (await _list(a))["items"]] == ["issued"]  # now stored in a
        r = await b.post(f"/api/v1/tickets/{t['id']}/transitions", json={"action": "coordinate"}, headers=MARKETING)
        assert r.status_code == 200, r.text
        assert [i["state"] for i in (await _list(a))["items"]] == ["coordinated"]


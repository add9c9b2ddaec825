"""GET /api/v1/alerts serves a stored body only while the rows of its page are unchanged (issue 12):
a change of state, silence, inhibition or derived status shows on the very next read."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from tests.helpers import app_of, eventually, runtime_of
from tests.integration.alerts.support import ADMIN, escalated, publish


async def _page(client: httpx.AsyncClient) -> list[dict]:
    r = await client.get("/api/v1/alerts", params={"unit": "QY-QC-01"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _cache(client: httpx.AsyncClient):
    return app_of(client).state.body_cache


async def test_state_and_silence_changes_show_on_the_next_read(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    await publish(runtime, escalated(uuid.uuid4()), "QY-QC-01")
    [a] = await eventually(lambda: _page(embedded))
    assert (a["state"], a["status"], a["silenced"]) == ("firing", "firing", False)

    # unchanged rows: the stored body is served again, byte for byte
    hits = _cache(embedded).hits
    first = await embedded.get("/api/v1/alerts", params={"unit": "QY-QC-01"}, headers=ADMIN)
    again = await embedded.get("/api/v1/alerts", params={"unit": "QY-QC-01"}, headers=ADMIN)
    assert again.content == first.content and _cache(embedded).hits >= hits + 1

    assert (await embedded.post(f"/api/v1/alerts/{a['id']}/ack", headers=ADMIN)).status_code == 200
    [acked] = await _page(embedded)
    assert (acked["state"], acked["status"]) == ("acknowledged", "acknowledged") and acked["acked_by"]

    # another writer (no API, e.g. a second process) puts it back to firing: seen at once
    async with runtime.session_factory() as s, s.begin():
        await s.execute(text(
            "UPDATE alerts_alerts SET state = 'firing', acked_by = NULL, acked_at = NULL WHERE id = :id"),
            {"id": a["id"]})
    [back] = await _page(embedded)
    assert (back["state"], back["status"], back["acked_by"]) == ("firing", "firing", None)

    # a silence changes no row of alerts_alerts, only the derived status: still seen at once
    r = await embedded.post("/api/v1/silences", headers=ADMIN, json={
        "matchers": [{"name": "unit", "value": "QY-QC-01"}],
        "ends_at": (datetime.now(UTC) + timedelta(seconds=2)).isoformat(), "comment": "maintenance"})
    assert r.status_code == 201, r.text
    [silenced] = await _page(embedded)
    assert (silenced["state"], silenced["status"], silenced["silenced"]) == ("firing", "suppressed", True)
    assert [x["id"] for x in (await embedded.get("/api/v1/alerts", params={"state": "firing", "unit": "QY-QC-01"},
                                                 headers=ADMIN)).json()["items"]] == []

    # ... and so does its end, which is only time passing
    await asyncio.sleep(2.2)
    [expired] = await _page(embedded)
    assert (expired["status"], expired["silenced"]) == ("firing", False)


async def test_inhibition_and_deleted_silence_show_on_the_next_read(embedded: httpx.AsyncClient) -> None:
    runtime = runtime_of(embedded)
    await publish(runtime, escalated(uuid.uuid4()), "QY-QC-01")
    [a] = await eventually(lambda: _page(embedded))
    await _page(embedded)  # stored

    async with runtime.session_factory() as s, s.begin():
        await s.execute(text(
            "UPDATE alerts_alerts SET inhibited_by = 'other-fingerprint' WHERE id = :id"), {"id": a["id"]})
    [inhibited] = await _page(embedded)
    assert (inhibited["status"], inhibited["inhibited_by"]) == ("suppressed", "other-fingerprint")

    async with runtime.session_factory() as s, s.begin():
        await s.execute(text(
            "UPDATE alerts_alerts SET inhibited_by = NULL WHERE id = :id"), {"id": a["id"]})
    r = await embedded.post("/api/v1/silences", headers=ADMIN, json={
        "matchers": [{"name": "type", "value": "TicketEscalated"}],
        "ends_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(), "comment": "maintenance"})
    assert r.status_code == 201, r.text
    [silenced] = await _page(embedded)
    assert (silenced["status"], silenced["silenced"], silenced["inhibited_by"]) == ("suppressed", True, None)

    assert (await embedded.delete(f"/api/v1/silences/{r.json()['id']}", headers=ADMIN)).status_code in (200, 204)
    [firing] = await _page(embedded)
    assert (firing["status"], firing["silenced"]) == ("firing", False)

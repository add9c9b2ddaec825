"""The SLA scanner on a moved clock: levels per working day overdue, exactly once across scanners."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx

from services.audit_link.entrypoints import workers
from shared.testing.plugin import token
from tests.helpers import eventually, runtime_of
from tests.integration.audit_link.conftest import outbox_events, scalar

CS = token("customer_service")
TICKET = {"unit": "QY-QC-01", "period": "2025-08", "reason": "low_score", "detail": "得分 72 分"}


def at(s: str) -> datetime:
    return datetime.fromisoformat(s)


async def _levels(client: httpx.AsyncClient) -> list[int]:
    return [e["level"] for e in await outbox_events(client, "TicketEscalated")]


async def test_escalation_levels_follow_the_moved_clock(app_client: httpx.AsyncClient, clock) -> None:
    t = (await app_client.post("/api/v1/tickets", json=TICKET, headers=CS)).json()  # due end of 9 Oct
    runtime = runtime_of(app_client)

    clock.set(at("2025-10-09T23:59:00+08:00"))
    await asyncio.sleep(1.5)  # a scanner round: nothing is due yet
    assert await _levels(app_client) == []

    clock.set(at("2025-10-10T00:00:05+08:00"))
    assert await eventually(lambda: _levels(app_client)) == [1]
    [e] = await outbox_events(app_client, "TicketEscalated")
    assert (e["ticket_id"], e["unit"], e["state"], e["level"]) == (t["id"], "QY-QC-01", "issued", 1)
    assert e["due_at"] == "2025-10-09T23:59:59+08:00"
    assert runtime.metrics.sla_breaches._value.get() == 1

    clock.set(at("2025-10-10T18:00:00+08:00"))  # same working day: still level 1
    await asyncio.sleep(1.5)
    assert await _levels(app_client) == [1]
    clock.set(at("2025-10-11T08:00:00+08:00"))  # 10 Oct wholly elapsed → 2
    await eventually(lambda: _has(app_client, [1, 2]))
    clock.set(at("2025-10-13T08:00:00+08:00"))  # 11 Oct (make-up Saturday) counted, Sunday 12 not → 3
    await eventually(lambda: _has(app_client, [1, 2, 3]))
    await asyncio.sleep(1.5)
    assert await _levels(app_client) == [1, 2, 3]
    assert runtime.metrics.sla_breaches._value.get() == 1  # one breach; the rest are escalations of it

    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    assert detail["escalation_level"] == 3 and [e["level"] for e in detail["escalations"]] == [1, 2, 3]

    # Coordinating ends the issued stage: no more escalations of that deadline. The coordinated
    # stage has its own (receive within 1 working day: end of 14 Oct), escalated as `coordinated`.
    await app_client.post(f"/api/v1/tickets/{t['id']}/transitions", json={"action": "coordinate"},
                          headers=token("marketing"))
    clock.set(at("2025-10-20T08:00:00+08:00"))
    await eventually(lambda: _has(app_client, [1, 2, 3, 3]))
    await asyncio.sleep(1.5)
    events = await outbox_events(app_client, "TicketEscalated")
    assert [(e["state"], e["level"]) for e in events] == [
        ("issued", 1), ("issued", 2), ("issued", 3), ("coordinated", 3)]  # 15, 16, 17 Oct elapsed: capped at 3
    assert events[-1]["due_at"] == "2025-10-14T23:59:59+08:00"


async def _has(client: httpx.AsyncClient, levels: list[int]) -> bool:
    return await _levels(client) == levels


async def test_two_scanners_at_once_emit_each_level_once(app_client: httpx.AsyncClient, clock) -> None:
    runtime = runtime_of(app_client)
    ids = []
    for i in range(12):
        r = await app_client.post("/api/v1/tickets", json={**TICKET, "unit": f"QY-QC-{i:02d}"}, headers=CS)
        ids.append(r.json()["id"])
    for now in ("2025-10-10T09:00:00+08:00", "2025-10-11T09:00:00+08:00", "2025-10-14T09:00:00+08:00"):
        clock.set(at(now))
        # Two more scanners race the app's own one, in small batches so they interleave.
        results = await asyncio.gather(*[workers.scan_once(runtime, batch=3) for _ in range(2)])
        assert sum(r.escalated for r in results) <= 12
    await asyncio.sleep(1.5)  # let the app's scanner finish its round
    events = await outbox_events(app_client, "TicketEscalated")
    pairs = [(e["ticket_id"], e["level"]) for e in events]
    # levels 1, 2 and 3 per ticket (14 Oct: 1 + 3 working days elapsed would be 4, capped at 3)
    assert len(pairs) == len(set(pairs)) == 36
    assert {lvl for _, lvl in pairs} == {1, 2, 3}
    assert await scalar(app_client, "SELECT count(*) FROM audit_escalations") == 36
    assert runtime.metrics.sla_breaches._value.get() == 12

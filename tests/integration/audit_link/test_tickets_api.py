"""Audit tickets over HTTP: roles per transition, deadlines, history, close preconditions, 409."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from shared.testing.plugin import token
from tests.helpers import runtime_of
from tests.integration.audit_link.conftest import outbox_events, scalar

CS = token("customer_service", subject="cs-li")
MARKETING = token("marketing", subject="mk-wang")
AUDIT = token("audit_center", subject="ac-zhao")
ADMIN = token("admin")
ROLE_HEADERS = {"customer_service": CS, "marketing": MARKETING, "audit_center": AUDIT}
STEPS = [  # (action, the role that may do it, body extras)
    ("coordinate", "marketing", {}),
    ("receive", "audit_center", {}),
    ("start_investigation", "audit_center", {}),
    ("report", "audit_center", {"findings": "倍率参数录入错误", "root_cause": "参数未复核"}),
    ("close", "customer_service", {"rectification": "已退补电费, 凭证 #88", "accountability_decision": "通报批评"}),
]
TICKET = {"unit": "QY-QC-01", "period": "2025-08", "reason": "low_score", "detail": "得分 72 分"}


async def _raise(client: httpx.AsyncClient, **changes) -> dict:
    r = await client.post("/api/v1/tickets", json={**TICKET, **changes}, headers=CS)
    assert r.status_code == 201, r.text
    return r.json()


async def _act(client: httpx.AsyncClient, ticket_id: str, action: str, headers, **extra) -> httpx.Response:
    return await client.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": action, **extra},
                             headers=headers)


async def test_raise_sets_deadline_history_and_event(app_client: httpx.AsyncClient) -> None:
    t = await _raise(app_client)
    assert t["state"] == "issued" and t["version"] == 1
    assert t["due_at"] == "2025-10-09T23:59:59+08:00"  # end of 9 Oct in Shanghai (1–8 Oct are holidays)
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=token("viewer"))).json()
    assert [h["action"] for h in detail["history"]] == ["issue"] and detail["history"][0]["actor"] == "cs-li"
    [raised] = await outbox_events(app_client, "TicketRaised")
    assert raised["ticket_id"] == t["id"] and raised["reason"] == "low_score"
    assert raised["due_at"] == "2025-10-09T23:59:59+08:00"


async def test_raise_needs_customer_service_and_valid_body(app_client: httpx.AsyncClient) -> None:
    for headers in (MARKETING, AUDIT, token("station", units=("QY-QC-01",))):
        assert (await app_client.post("/api/v1/tickets", json=TICKET, headers=headers)).status_code == 403
    r = await app_client.post("/api/v1/tickets", json={**TICKET, "reason": "whim", "period": "2025-13"}, headers=CS)
    assert r.status_code == 422
    assert {"body.reason", "body.period"} <= {e["field"] for e in r.json()["errors"]}
    assert await scalar(app_client, "SELECT count(*) FROM audit_tickets") == 0


async def test_second_open_ticket_for_same_unit_reason_period_is_409(app_client: httpx.AsyncClient) -> None:
    first = await _raise(app_client)
    r = await app_client.post("/api/v1/tickets", json=TICKET, headers=CS)
    assert r.status_code == 409 and first["id"] in r.json()["errors"][0]["message"]
    await _raise(app_client, period="2025-09")  # another period is another ticket
    assert await scalar(app_client, "SELECT count(*) FROM audit_tickets") == 2


async def test_full_lifecycle_records_who_when_what(app_client: httpx.AsyncClient) -> None:
    t = await _raise(app_client)
    for action, role, extra in STEPS:
        r = await _act(app_client, t["id"], action, ROLE_HEADERS[role], **extra)
        assert r.status_code == 200, (action, r.text)
        if action == "receive":  # report due end of the 5th working day after receipt: 9, 10, 11 (make-up), 13, 14
            assert r.json()["due_at"] == "2025-10-14T23:59:59+08:00"
    assert r.json()["state"] == "closed" and r.json()["due_at"] is None
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    assert [(h["action"], h["to_state"], h["actor"]) for h in detail["history"]] == [
        ("issue", "issued", "cs-li"), ("coordinate", "coordinated", "mk-wang"), ("receive", "received", "ac-zhao"),
        ("start_investigation", "investigating", "ac-zhao"), ("report", "reported", "ac-zhao"),
        ("close", "closed", "cs-li")]
    assert detail["history"][4]["details"]["findings"] == "倍率参数录入错误"
    moved = await outbox_events(app_client, "TicketTransitioned")
    assert [m["action"] for m in moved] == [s[0] for s in STEPS]
    assert [m["version"] for m in moved] == [2, 3, 4, 5, 6]
    [closed] = await outbox_events(app_client, "TicketClosed")
    assert closed["accountability_decision"] == "通报批评" and closed["closed_by"] == "cs-li"
    # reopen (customer service) from closed: back to investigation with a fresh deadline
    r = await _act(app_client, t["id"], "reopen", CS, note="整改不到位")
    assert r.json()["state"] == "investigating" and r.json()["due_at"] == "2025-10-14T23:59:59+08:00"


@pytest.mark.parametrize(("index", "action", "role"), [(i, a, r) for i, (a, r, _) in enumerate(STEPS)])
async def test_each_transition_checks_the_role(app_client: httpx.AsyncClient, index: int, action: str,
                                               role: str) -> None:
    t = await _raise(app_client)
    for prior, prior_role, extra in STEPS[:index]:
        assert (await _act(app_client, t["id"], prior, ROLE_HEADERS[prior_role], **extra)).status_code == 200
    extra = STEPS[index][2]
    for other in ("customer_service", "marketing", "audit_center"):
        if other != role:
            r = await _act(app_client, t["id"], action, ROLE_HEADERS[other], **extra)
            assert r.status_code == 403, (action, other, r.text)
            assert role in r.json()["detail"]
    for headers in (token("station", units=("QY-QC-01",)), token("viewer")):
        assert (await _act(app_client, t["id"], action, headers, **extra)).status_code == 403
    assert (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()["version"] == index + 1
    assert (await _act(app_client, t["id"], action, ROLE_HEADERS[role], **extra)).status_code == 200


async def test_reopen_is_customer_service_and_admin_may_do_all(app_client: httpx.AsyncClient) -> None:
    t = await _raise(app_client)
    for action, _, extra in STEPS[:4]:
        assert (await _act(app_client, t["id"], action, ADMIN, **extra)).status_code == 200
    assert (await _act(app_client, t["id"], "reopen", AUDIT)).status_code == 403
    assert (await _act(app_client, t["id"], "reopen", MARKETING)).status_code == 403
    assert (await _act(app_client, t["id"], "reopen", CS)).json()["state"] == "investigating"


async def test_close_without_cause_rectification_decision_is_422(app_client: httpx.AsyncClient) -> None:
    t = await _raise(app_client)
    for action, role, _ in STEPS[:3]:
        await _act(app_client, t["id"], action, ROLE_HEADERS[role])
    r = await _act(app_client, t["id"], "report", AUDIT)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["body.findings"]
    await _act(app_client, t["id"], "report", AUDIT, findings="抄表员估抄")
    r = await _act(app_client, t["id"], "close", CS, root_cause="估抄")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["body.rectification", "body.accountability_decision"]
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    assert detail["state"] == "reported" and detail["root_cause"] is None  # nothing half-written
    assert await outbox_events(app_client, "TicketClosed") == []
    r = await _act(app_client, t["id"], "close", CS, root_cause="估抄", rectification="补抄, 照片存档",
                   accountability_decision="考核扣分")
    assert r.status_code == 200 and r.json()["state"] == "closed"


async def test_wrong_state_and_stale_version_are_409(app_client: httpx.AsyncClient) -> None:
    t = await _raise(app_client)
    assert (await _act(app_client, t["id"], "receive", AUDIT)).status_code == 409
    assert (await _act(app_client, t["id"], "coordinate", MARKETING, version=2)).status_code == 409
    assert (await _act(app_client, t["id"], "coordinate", MARKETING, version=1)).status_code == 200


async def test_concurrent_transitions_one_wins_the_other_409(app_client: httpx.AsyncClient) -> None:
    t = await _raise(app_client)
    for _ in range(3):  # a few rounds: whichever interleaving happens, exactly one wins
        current = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
        if current["state"] != "issued":
            break
        results = await asyncio.gather(
            _act(app_client, t["id"], "coordinate", MARKETING, version=current["version"]),
            _act(app_client, t["id"], "coordinate", ADMIN, version=current["version"]),
        )
        assert sorted(r.status_code for r in results) == [200, 409]
    assert len(await outbox_events(app_client, "TicketTransitioned")) == 1
    # Without a version in the body the write itself decides (UPDATE … WHERE version = read version).
    results = await asyncio.gather(_act(app_client, t["id"], "receive", AUDIT),
                                   _act(app_client, t["id"], "receive", token("audit_center", subject="ac-2")))
    assert sorted(r.status_code for r in results) == [200, 409]
    assert len(await outbox_events(app_client, "TicketTransitioned")) == 2
    assert await scalar(app_client, "SELECT count(*) FROM audit_ticket_history WHERE ticket_id = :i",
                        i=t["id"]) == 3


async def test_list_filters_and_scope(app_client: httpx.AsyncClient, clock) -> None:
    a = await _raise(app_client)
    b = await _raise(app_client, unit="QY-YD-02")
    await _act(app_client, b["id"], "coordinate", MARKETING)
    station = token("station", units=("QY-QC-01",))
    ids = lambda r: [i["id"] for i in r.json()["items"]]  # noqa: E731
    assert ids(await app_client.get("/api/v1/tickets", headers=station)) == [a["id"]]
    assert ids(await app_client.get("/api/v1/tickets?unit=QY-YD", headers=CS)) == [b["id"]]
    assert ids(await app_client.get("/api/v1/tickets?state=issued", headers=CS)) == [a["id"]]
    assert ids(await app_client.get("/api/v1/tickets?overdue=true", headers=CS)) == []
    clock.advance(days=10)  # 10 Oct: the issued and the coordinated stage's deadlines (end of 9 Oct) passed
    r = await app_client.get("/api/v1/tickets?overdue=true", headers=CS)
    assert ids(r) == [a["id"], b["id"]] and all(i["overdue"] for i in r.json()["items"])
    assert (await app_client.get(f"/api/v1/tickets/{b['id']}", headers=station)).status_code == 404
    assert (await app_client.get("/api/v1/tickets?state=lost", headers=CS)).status_code == 422


async def test_raise_in_a_year_without_calendar_stores_a_pending_deadline(app_client: httpx.AsyncClient,
                                                                          clock) -> None:
    """Issue 10 changed this from a 422: work does not stop for want of a calendar; the deadline
    waits, visibly, and is computed when the year is loaded (test_deadlines.py)."""
    from datetime import datetime

    clock.set(datetime.fromisoformat("2027-03-01T10:00:00+08:00"))
    r = await app_client.post("/api/v1/tickets", json={**TICKET, "period": "2027-02"}, headers=CS)
    assert r.status_code == 201, r.text
    assert r.json()["due_at"] is None
    assert r.json()["deadline_pending"] == {"start": "2027-03-01T10:00:00+08:00", "working_days": 1}
    assert await scalar(app_client, "SELECT count(*) FROM audit_ticket_sla") == 0


async def test_idempotency_key_raises_one_ticket(app_client: httpx.AsyncClient) -> None:
    headers = {**CS, "Idempotency-Key": "call-centre-981"}
    first = await app_client.post("/api/v1/tickets", json=TICKET, headers=headers)
    again = await app_client.post("/api/v1/tickets", json=TICKET, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(await outbox_events(app_client, "TicketRaised")) == 1


async def test_interleaved_writers_second_update_loses(app_client: httpx.AsyncClient, clock) -> None:
    """Both read version 1, the first commits, the second's UPDATE … WHERE version = 1 finds nothing."""
    import uuid

    from services.audit_link.handlers import tickets as handlers
    from shared.calendar import CalendarData

    t = await _raise(app_client)
    runtime = runtime_of(app_client)
    first, second = runtime.uow(), runtime.uow()
    async with first, second:
        move = handlers.Transition(ticket_id=uuid.UUID(t["id"]), action="coordinate", actor="a",
                                   roles=frozenset({"marketing"}), facts=handlers.domain.Facts(),
                                   at=clock.now(), may_see=lambda unit: True)
        read_by_second = await handlers.tickets_repo.get_ticket(second.session, move.ticket_id)
        assert read_by_second is not None
        await handlers.transition(move, first)
        changed = handlers.domain.transition(read_by_second, "coordinate", roles=frozenset({"admin"}),
                                             facts=handlers.domain.Facts(), now=clock.now(),
                                             cal=CalendarData.of([]))
        # The handler turns this False into Conflict, i.e. 409.
        assert await handlers.tickets_repo.save_transition(second.session, changed, read_by_second.version) is False
    assert (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()["version"] == 2

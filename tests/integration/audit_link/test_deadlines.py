"""Deadlines with no gaps (issue 10 §5): every waiting state escalates, only the state a ticket is in,
levels stop at a cap and then repeat, a missing next-year calendar is reported, and a deadline
beyond the loaded calendar waits and is computed when the year is loaded."""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime

import httpx

from services.audit_link.entrypoints import workers
from shared.testing.plugin import token
from tests.helpers import eventually, runtime_of
from tests.integration.audit_link.conftest import outbox_events, scalar

CS = token("customer_service", subject="cs-li")
MARKETING = token("marketing", subject="mk-wang")
AUDIT = token("audit_center", subject="ac-zhao")
ADMIN = token("admin", subject="ops-chen")
TICKET = {"unit": "QY-QC-01", "period": "2025-08", "reason": "low_score", "detail": "得分 72 分"}


def at(s: str) -> datetime:
    return datetime.fromisoformat(s)


async def _raise(client: httpx.AsyncClient, **changes) -> dict:
    r = await client.post("/api/v1/tickets", json={**TICKET, **changes}, headers=CS)
    assert r.status_code == 201, r.text
    return r.json()


async def _act(client: httpx.AsyncClient, ticket_id: str, action: str, headers, **extra) -> dict:
    r = await client.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": action, **extra},
                          headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _escalations(client: httpx.AsyncClient) -> list[tuple[str, int]]:
    return [(e["state"], e["level"]) for e in await outbox_events(client, "TicketEscalated")]


async def test_every_waiting_state_has_a_deadline(app_client: httpx.AsyncClient, clock) -> None:
    t = await _raise(app_client)  # Tue 30 Sep 2025 10:00; 1–8 Oct holidays, Sat 11 Oct a working day
    assert t["due_at"] == "2025-10-09T23:59:59+08:00"  # coordinate: 1 working day
    moved = await _act(app_client, t["id"], "coordinate", MARKETING)
    assert moved["due_at"] == "2025-10-09T23:59:59+08:00"  # receive: 1 working day (our default)
    moved = await _act(app_client, t["id"], "receive", AUDIT)
    assert moved["due_at"] == "2025-10-14T23:59:59+08:00"  # report: 5 working days after receipt
    moved = await _act(app_client, t["id"], "start_investigation", AUDIT)
    assert moved["due_at"] == "2025-10-14T23:59:59+08:00"  # the same deadline runs on
    moved = await _act(app_client, t["id"], "report", AUDIT, findings="倍率录入错误")
    assert moved["due_at"] == "2025-10-14T23:59:59+08:00"  # close or reopen: 5 working days
    moved = await _act(app_client, t["id"], "close", CS, root_cause="未复核", rectification="已退补",
                       accountability_decision="通报批评")
    assert moved["due_at"] is None


async def test_ticket_left_in_coordinated_escalates(app_client: httpx.AsyncClient, clock) -> None:
    t = await _raise(app_client)
    await _act(app_client, t["id"], "coordinate", MARKETING)  # receive due end of 9 Oct
    clock.set(at("2025-10-10T00:00:05+08:00"))
    assert await eventually(lambda: _escalations(app_client)) == [("coordinated", 1)]
    [e] = await outbox_events(app_client, "TicketEscalated")
    assert (e["ticket_id"], e["due_at"]) == (t["id"], "2025-10-09T23:59:59+08:00")
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    assert [(x["deadline_seq"], x["level"], x["state"]) for x in detail["escalations"]] == [(2, 1, "coordinated")]


async def test_ticket_that_moved_on_gets_no_escalation_of_its_old_stage(app_client: httpx.AsyncClient, clock) -> None:
    t = await _raise(app_client)  # issued, due end of 9 Oct
    clock.set(at("2025-10-10T09:00:00+08:00"))
    assert await eventually(lambda: _escalations(app_client)) == [("issued", 1)]
    await _act(app_client, t["id"], "coordinate", MARKETING)  # 10 Oct: receive due end of 11 Oct
    clock.set(at("2025-10-11T12:00:00+08:00"))  # issued would be at level 2 by now; coordinated is not due
    await asyncio.sleep(1.5)
    assert await _escalations(app_client) == [("issued", 1)]
    assert await scalar(app_client, "SELECT count(*) FROM audit_escalations") == 1


async def test_a_back_dated_transition_is_not_recorded_before_an_escalation(app_client: httpx.AsyncClient,
                                                                            clock) -> None:
    """The demo's "level 41": its loader moved the clock back and forth, so the scanner escalated the
    issued stage at a later moment than the one the ticket was then coordinated at. The ticket's
    timeline never runs backwards: the transition is recorded at its last escalation's moment."""
    t = await _raise(app_client)
    clock.set(at("2025-10-13T09:00:00+08:00"))  # 10 and 11 Oct elapsed: level 3
    assert await eventually(lambda: _escalations(app_client)) == [("issued", 3)]
    clock.set(at("2025-09-30T14:00:00+08:00"))  # back in time, as the demo loader did
    moved = await _act(app_client, t["id"], "coordinate", MARKETING)
    assert moved["due_at"] == "2025-10-14T23:59:59+08:00"  # counted from 13 Oct, not 30 Sep
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    coordinated_at = at(detail["history"][1]["at"])
    assert coordinated_at == at("2025-10-13T09:00:00+08:00")
    assert all(at(e["escalated_at"]) <= coordinated_at for e in detail["escalations"] if e["state"] == "issued")
    await asyncio.sleep(1.5)
    assert await _escalations(app_client) == [("issued", 3)]


async def test_levels_stop_at_the_cap_then_repeat(app_client: httpx.AsyncClient, clock) -> None:
    policy = (await app_client.get("/api/v1/tickets/sla-policy", headers=CS)).json()
    assert policy == {"coordinate_days": 1, "receive_days": 1, "report_days": 5, "review_days": 5,
                      "escalation_cap": 3, "repeat_every_days": 5, "calendar_check_from": "11-01"}
    assert (await app_client.put("/api/v1/tickets/sla-policy", json=policy, headers=CS)).status_code == 403
    bad = await app_client.put("/api/v1/tickets/sla-policy", json={**policy, "escalation_cap": 0}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.escalation_cap"
    r = await app_client.put("/api/v1/tickets/sla-policy", json={**policy, "escalation_cap": 2, "repeat_every_days": 3},
                             headers=ADMIN)
    assert r.status_code == 200, r.text
    t = await _raise(app_client)  # due end of 9 Oct
    for now, expected in (
        ("2025-10-10T09:00:00+08:00", [1]),
        ("2025-10-11T09:00:00+08:00", [1, 2]),  # 10 Oct elapsed
        ("2025-10-14T09:00:00+08:00", [1, 2]),  # 10, 11, 13 elapsed: the cap, no level 3 or 4
        ("2025-10-15T09:00:00+08:00", [1, 2, 2]),  # 4 elapsed = cap - 1 + 3: the first repeat
        ("2025-10-17T09:00:00+08:00", [1, 2, 2]),
        ("2025-10-18T09:00:00+08:00", [1, 2, 2, 2]),  # 7 elapsed: the second repeat
    ):
        clock.set(at(now))
        await eventually(functools.partial(_levels_are, app_client, expected))
        await asyncio.sleep(1.2)
        assert [lvl for _, lvl in await _escalations(app_client)] == expected, now
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    assert [(e["level"], e["repeat"]) for e in detail["escalations"]] == [(1, 0), (2, 0), (2, 1), (2, 2)]
    assert (detail["escalation_level"], detail["escalation_repeat"]) == (2, 2)


async def _levels_are(client: httpx.AsyncClient, expected: list[int]) -> bool:
    return [lvl for _, lvl in await _escalations(client)] == expected


async def test_missing_next_year_is_reported_daily_from_the_configured_date(app_client: httpx.AsyncClient,
                                                                           clock) -> None:
    runtime = runtime_of(app_client)
    clock.set(at("2026-10-31T20:00:00+08:00"))
    await workers.calendar_duties(runtime)
    assert await outbox_events(app_client, "CalendarYearMissing") == []  # before 1 Nov
    # A deadline that already needs 2027 (60 working days to coordinate, for the test): pending.
    policy = (await app_client.get("/api/v1/tickets/sla-policy", headers=CS)).json()
    await app_client.put("/api/v1/tickets/sla-policy", json={**policy, "coordinate_days": 60}, headers=ADMIN)
    assert (await _raise(app_client, period="2026-10"))["deadline_pending"]["working_days"] == 60
    clock.set(at("2026-11-01T09:00:00+08:00"))
    await workers.calendar_duties(runtime)
    [first] = await eventually(lambda: outbox_events(app_client, "CalendarYearMissing"))
    assert first == {"year": 2027, "checked_on": "2026-11-01", "pending_deadlines": 1}
    clock.set(at("2026-11-01T17:00:00+08:00"))
    await workers.calendar_duties(runtime)  # the same day, any replica: no second report
    await asyncio.sleep(1.2)
    assert len(await outbox_events(app_client, "CalendarYearMissing")) == 1
    clock.set(at("2026-11-02T09:00:00+08:00"))
    await eventually(lambda: _count_is(app_client, 2))  # the scanner worker checks on a new day by itself
    r = await app_client.put("/api/v1/calendar/years/2027", json={"holidays": [{"date": "2027-01-01"}]},
                             headers=ADMIN)
    assert r.status_code == 200, r.text
    clock.set(at("2026-11-03T09:00:00+08:00"))
    await workers.calendar_duties(runtime)
    await asyncio.sleep(1.2)
    assert len(await outbox_events(app_client, "CalendarYearMissing")) == 2  # loaded: nothing more


async def _count_is(client: httpx.AsyncClient, n: int) -> bool:
    return len(await outbox_events(client, "CalendarYearMissing")) == n


async def test_check_date_is_configurable(app_client: httpx.AsyncClient, clock) -> None:
    runtime = runtime_of(app_client)
    policy = (await app_client.get("/api/v1/tickets/sla-policy", headers=CS)).json()
    await app_client.put("/api/v1/tickets/sla-policy", json={**policy, "calendar_check_from": "12-15"}, headers=ADMIN)
    clock.set(at("2026-12-14T09:00:00+08:00"))
    await workers.calendar_duties(runtime)
    assert await outbox_events(app_client, "CalendarYearMissing") == []
    clock.set(at("2026-12-15T09:00:00+08:00"))
    await workers.calendar_duties(runtime)
    assert [e["checked_on"] for e in await outbox_events(app_client, "CalendarYearMissing")] == ["2026-12-15"]


async def test_pending_deadline_is_computed_when_the_year_is_loaded(app_client: httpx.AsyncClient, clock) -> None:
    clock.set(at("2026-12-31T10:00:00+08:00"))
    t = await _raise(app_client, period="2026-11")  # coordinate within 1 working day: in 2027, not loaded
    assert t["due_at"] is None
    assert t["deadline_pending"] == {"start": "2026-12-31T10:00:00+08:00", "working_days": 1}
    assert await scalar(app_client, "SELECT count(*) FROM audit_ticket_sla") == 0
    reported = await eventually(lambda: outbox_events(app_client, "CalendarYearMissing"))
    assert [(e["year"], e["checked_on"]) for e in reported] == [(2027, "2026-12-31")]

    clock.set(at("2027-01-04T08:00:00+08:00"))
    r = await app_client.put("/api/v1/calendar/years/2027", json={
        "holidays": [{"date": "2027-01-01", "name": "元旦"}], "source": "国办发明电"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    # 1 Jan (Fri) a holiday, 2–3 Jan a weekend: the 1st working day after 31 Dec is Mon 4 Jan
    assert detail["due_at"] == "2027-01-04T23:59:59+08:00" and detail["deadline_pending"] is None
    assert detail["version"] == 2
    assert [(h["action"], h["actor"], h["due_at"]) for h in detail["history"]][-1] == (
        "deadline", "ops-chen", "2027-01-04T23:59:59+08:00")
    raised = await outbox_events(app_client, "TicketRaised")
    assert [e["due_at"] for e in raised] == [None, "2027-01-04T23:59:59+08:00"]

    clock.set(at("2027-01-05T09:00:00+08:00"))  # and it escalates like any other
    assert await eventually(lambda: _escalations(app_client)) == [("issued", 1)]


async def test_pending_deadline_of_a_transition_is_computed_by_the_cli_load(app_client: httpx.AsyncClient,
                                                                           clock) -> None:
    from services.audit_link.handlers import calendar

    t = await _raise(app_client)
    clock.set(at("2026-12-28T10:00:00+08:00"))
    moved = await _act(app_client, t["id"], "coordinate", MARKETING)
    moved = await _act(app_client, t["id"], "receive", AUDIT)  # 5 working days from 28 Dec: into 2027
    assert moved["due_at"] is None and moved["deadline_pending"]["working_days"] == 5
    runtime = runtime_of(app_client)
    async with runtime.uow() as uow:  # what `m2c audit calendar-load` runs
        settled = await calendar.load_year(
            calendar.LoadYear(2027, [], [], source="test", by="cli", at=clock.now()), uow)
    assert settled == 1
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    assert detail["due_at"] == "2027-01-04T23:59:59+08:00"  # 29, 30, 31 Dec, 1 Jan (no holiday given), 4 Jan
    transitioned = await outbox_events(app_client, "TicketTransitioned")
    assert (transitioned[-1]["action"], transitioned[-1]["from_state"], transitioned[-1]["to_state"],
            transitioned[-1]["due_at"]) == ("receive", "received", "received", "2027-01-04T23:59:59+08:00")


async def test_the_daily_duty_computes_deadlines_a_year_loaded_elsewhere_covers(app_client: httpx.AsyncClient,
                                                                                clock) -> None:
    """A year that arrives by a migration (or another replica's load) settles pending deadlines on
    the scanner worker's next daily duty (and at start)."""
    from services.audit_link.adapters import calendar_repo

    clock.set(at("2026-12-31T10:00:00+08:00"))
    t = await _raise(app_client, period="2026-11")
    assert t["due_at"] is None
    runtime = runtime_of(app_client)
    async with runtime.uow() as uow:  # as a migration would: the data only, nothing else
        await calendar_repo.replace_year(uow.session, 2027, [], [], source="migration", by="migration",
                                         at=clock.now())
        await uow.commit()
    assert (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()["due_at"] is None
    await workers.calendar_duties(runtime)
    detail = (await app_client.get(f"/api/v1/tickets/{t['id']}", headers=CS)).json()
    assert detail["due_at"] == "2027-01-01T23:59:59+08:00" and detail["history"][-1]["actor"] == "m2c/audit-link"

"""The working-day calendar as a command: load a year (and compute the deadlines that waited for
it), and the daily check that next year's official schedule is there before it is needed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.audit_link.adapters import calendar_repo, policy_repo, tickets_repo
from services.audit_link.adapters.tables import calendar_checks, calendar_years
from services.audit_link.domain import tickets as domain
from shared.calendar import in_shanghai, local_date
from shared.events.audit import CalendarYearMissing, TicketRaised, TicketTransitioned
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "m2c/audit-link"


@dataclass(frozen=True)
class LoadYear:
    year: int
    holidays: list[tuple[date, str | None]]
    workdays: list[tuple[date, str | None]]
    source: str
    by: str
    at: datetime


async def load_year(cmd: LoadYear, uow: UnitOfWork) -> int:
    """Store the year's schedule and, in the same transaction, compute every pending deadline it
    makes computable; committed. Returns how many deadlines were set."""
    await calendar_repo.replace_year(uow.session, cmd.year, cmd.holidays, cmd.workdays, source=cmd.source,
                                     by=cmd.by, at=cmd.at)
    settled = await _settle(uow, cmd.at, cmd.by)
    await uow.commit()
    return settled


@dataclass(frozen=True)
class SettlePending:
    at: datetime
    actor: str = SYSTEM_ACTOR


async def settle_pending(cmd: SettlePending, uow: UnitOfWork) -> int:
    """Compute the pending deadlines the stored calendar now covers (a year loaded by a migration or
    another replica); committed. Returns how many deadlines were set."""
    settled = await _settle(uow, cmd.at, cmd.actor)
    await uow.commit()
    return settled


async def _settle(uow: UnitOfWork, now: datetime, actor: str) -> int:
    """Compute the pending deadlines the stored calendar now covers (not committed). Each one is
    recorded like a deadline set by a transition: the ticket's version moves on, a history row
    (action `deadline`) keeps who/when, and the event that carries a stage's deadline is emitted —
    TicketRaised for the issued stage, TicketTransitioned (from_state = to_state, the action that
    opened the stage) for the others."""
    pending = await tickets_repo.pending_deadlines(uow.session, lock=True)
    if not pending:
        return 0
    cal = await calendar_repo.load(uow.session)
    settled = 0
    for seq, ticket in pending:
        done = domain.settle_pending(ticket, cal, now)
        if done is None or ticket.due_pending_from is None:  # settled, so it was pending (narrows the type)
            continue
        await tickets_repo.save_settled(uow.session, seq, done)
        opened_by = await _opening_action(uow, ticket)
        await tickets_repo.add_history(
            uow.session, ticket_id=done.id, version=done.version, action="deadline", from_state=done.state,
            to_state=done.state, actor=actor, at=now, due_at=done.due_at,
            details={"stage_began": in_shanghai(ticket.due_pending_from).isoformat(),
                     "working_days": ticket.due_pending_days, "opened_by": opened_by},
        )
        if opened_by == "issue":
            uow.emit(TicketRaised(
                ticket_id=done.id, unit=done.unit, period=done.period, reason=done.reason,
                detail=done.detail, state="issued", raised_by=done.raised_by, raised_at=done.raised_at,
                due_at=in_shanghai(done.due_at)), subject=done.unit)
        else:
            uow.emit(TicketTransitioned(
                ticket_id=done.id, unit=done.unit, action=opened_by, from_state=done.state,
                to_state=done.state, actor=actor, at=now, due_at=in_shanghai(done.due_at),
                version=done.version), subject=done.unit)
        settled += 1
    if settled:
        log.info("%d pending ticket deadline(s) computed", settled)
    return settled


async def _opening_action(uow: UnitOfWork, ticket: domain.Ticket) -> str:
    """The action that began the ticket's current deadline (start_investigation keeps one)."""
    for h in reversed(await tickets_repo.history(uow.session, ticket.id)):
        if h["action"] not in ("start_investigation", "deadline"):
            return h["action"]
    return "issue"


@dataclass(frozen=True)
class CheckNextYear:
    at: datetime


async def check_next_year(cmd: CheckNextYear, uow: UnitOfWork) -> CalendarYearMissing | None:
    """From the policy's `calendar_check_from` (MM-DD) on, emit CalendarYearMissing when next
    year's calendar is not loaded — once per local day, whichever replica checks first (a row
    per year and day); committed. Returns the event emitted, if any."""
    now = cmd.at
    today = local_date(now)
    policy = await policy_repo.load_sla(uow.session)
    if (today.month, today.day) < policy.check_from():
        return None
    year = today.year + 1
    loaded = (await uow.session.execute(select(calendar_years.c.year).where(calendar_years.c.year == year))).first()
    if loaded is not None:
        return None
    pending = await tickets_repo.count_pending(uow.session)
    first = (await uow.session.execute(
        insert(calendar_checks).values(year=year, checked_on=today, pending_deadlines=pending, checked_at=now)
        .on_conflict_do_nothing().returning(calendar_checks.c.year))).first()
    if first is None:
        return None  # reported today already
    event = CalendarYearMissing(year=year, checked_on=today.isoformat(), pending_deadlines=pending)
    uow.emit(event, subject=f"calendar-{year}")
    log.warning("no working-day calendar for %d yet (%d pending deadlines): load it with "
                "PUT /api/v1/calendar/years/%d or `m2c audit calendar-load`", year, pending, year)
    await uow.commit()
    return event

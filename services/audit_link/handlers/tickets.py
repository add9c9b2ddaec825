"""Audit tickets: raise (by hand or automatically) and move them, each step recorded and announced."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.audit_link.adapters import calendar_repo, policy_repo, tickets_repo
from services.audit_link.domain import tickets as domain
from services.audit_link.handlers import reference
from services.audit_link.handlers.errors import Conflict, NotFound
from shared.calendar import CalendarData, in_shanghai, local_date
from shared.events.audit import TicketClosed, TicketRaised, TicketTransitioned
from shared.uow import UnitOfWork


class DuplicateOpenTicket(Conflict):
    default_title = "已有未关闭的传单"

    def __init__(self, existing: domain.Ticket):
        super().__init__(f"{existing.unit} 已有未关闭的传单 {existing.id}"
                         f"（{existing.reason}，{existing.period}）",
                         errors=[{"field": "body.unit", "message": f"未关闭的传单 {existing.id}"}])
        self.existing = existing


async def calendar_around(uow: UnitOfWork, now: datetime) -> CalendarData:
    """The stored calendar of the year of `now` and the next (deadlines are a few days ahead)."""
    year = local_date(now).year
    return await calendar_repo.load(uow.session, year, year + 1)


@dataclass(frozen=True)
class RaiseTicket:
    unit: str
    period: str | None
    reason: str
    detail: str
    raised_by: str
    at: datetime
    idempotency_key: str | None = None


async def record_ticket(cmd: RaiseTicket, uow: UnitOfWork) -> tuple[domain.Ticket, bool]:
    """Store and announce a new ticket (not committed). Raises DuplicateOpenTicket when one is open
    for the unit, reason and period already. A deadline in a year without calendar is pending."""
    now = cmd.at
    if cmd.idempotency_key is not None:
        existing = await tickets_repo.get_by_idempotency_key(uow.session, cmd.idempotency_key)
        if existing is not None:
            return existing, False
    ticket = domain.issue(unit=cmd.unit, period=cmd.period, reason=cmd.reason, detail=cmd.detail,
                          raised_by=cmd.raised_by, now=now, cal=await calendar_around(uow, now),
                          policy=await policy_repo.load_sla(uow.session))
    if not await tickets_repo.add_ticket(uow.session, ticket, idempotency_key=cmd.idempotency_key):
        if cmd.idempotency_key is not None:
            again = await tickets_repo.get_by_idempotency_key(uow.session, cmd.idempotency_key)
            if again is not None:
                return again, False
        existing = await tickets_repo.find_open(uow.session, cmd.unit, cmd.reason, cmd.period)
        if existing is None:  # closed in between: nothing to point at, but still not created
            raise Conflict("传单未能保存，请重试")
        raise DuplicateOpenTicket(existing)
    await tickets_repo.add_history(
        uow.session, ticket_id=ticket.id, version=ticket.version, action="issue", from_state=None,
        to_state=ticket.state, actor=ticket.raised_by, at=now, due_at=ticket.due_at,
        details={"reason": ticket.reason, "detail": ticket.detail, "period": ticket.period,
                 **_pending_details(ticket)},
    )
    uow.emit(TicketRaised(
        ticket_id=ticket.id, unit=ticket.unit, period=ticket.period, reason=ticket.reason,
        detail=ticket.detail, state="issued", raised_by=ticket.raised_by, raised_at=now,
        due_at=in_shanghai(ticket.due_at),
    ), subject=ticket.unit)
    return ticket, True


def _pending_details(t: domain.Ticket) -> dict:
    if t.due_pending_from is None:
        return {}
    return {"deadline_pending": {"from": in_shanghai(t.due_pending_from).isoformat(),
                                 "working_days": t.due_pending_days}}


async def raise_ticket(cmd: RaiseTicket, uow: UnitOfWork) -> tuple[domain.Ticket, bool]:
    """A ticket raised by hand: 422 (InvalidReference) for an unknown unit or a future period."""
    await reference.check(uow.session, cmd.at, unit=("body.unit", cmd.unit), period=("body.period", cmd.period))
    ticket, created = await record_ticket(cmd, uow)
    await uow.commit()
    return ticket, created


@dataclass(frozen=True)
class Transition:
    ticket_id: uuid.UUID
    action: str
    actor: str
    roles: frozenset[str]
    facts: domain.Facts
    at: datetime
    may_see: Callable[[str], bool]  # the caller's scope: a ticket outside it is not found
    expected_version: int | None = None


async def transition(cmd: Transition, uow: UnitOfWork) -> domain.Ticket:
    """Apply one action. Raises NotFound, TicketForbidden, InvalidTransition / Conflict (409) or
    MissingFacts (422). A deadline in a year without calendar is pending.

    The ticket's own timeline never runs backwards: the step is recorded at `cmd.at`, or at the
    ticket's last recorded moment (change or escalation) if that is later — a clock behind the
    scanner's (another replica's, or the demo loader's back-dating) cannot put a transition before
    an escalation already recorded, which would show the old stage escalated after it was left."""
    ticket = await tickets_repo.get_ticket(uow.session, cmd.ticket_id)
    if ticket is None or not cmd.may_see(ticket.unit):
        raise NotFound(f"没有传单 {cmd.ticket_id}")
    if cmd.expected_version is not None and cmd.expected_version != ticket.version:
        raise Conflict(f"传单当前版本为 {ticket.version}，不是 {cmd.expected_version}")
    last = await tickets_repo.last_moment(uow.session, ticket)
    now = max(cmd.at, last) if last is not None else cmd.at
    changed = domain.transition(ticket, cmd.action, roles=cmd.roles, facts=cmd.facts, now=now,
                                cal=await calendar_around(uow, now), policy=await policy_repo.load_sla(uow.session))
    try:
        if not await tickets_repo.save_transition(uow.session, changed, ticket.version):
            raise Conflict("传单已被他人改动，请重新读取")
        await tickets_repo.add_history(
            uow.session, ticket_id=ticket.id, version=changed.version, action=cmd.action,
            from_state=ticket.state, to_state=changed.state, actor=cmd.actor, at=now, due_at=changed.due_at,
            details={**{k: v for k, v in asdict(cmd.facts).items() if v}, **_pending_details(changed)},
        )
    except IntegrityError as exc:  # a reopen that would make a second open ticket, or a racing writer
        raise Conflict("另有未关闭的传单或同时进行的改动，无法执行此操作") from exc
    uow.emit(TicketTransitioned(
        ticket_id=ticket.id, unit=ticket.unit, action=cmd.action, from_state=ticket.state,
        to_state=changed.state, actor=cmd.actor, at=now, due_at=in_shanghai(changed.due_at),
        version=changed.version,
    ), subject=ticket.unit)
    if changed.state == "closed":
        uow.emit(TicketClosed(
            ticket_id=ticket.id, unit=ticket.unit, root_cause=changed.root_cause or "",
            rectification=changed.rectification or "", accountability_decision=changed.accountability_decision or "",
            closed_by=cmd.actor, closed_at=now,
        ), subject=ticket.unit)
    await uow.commit()
    return changed

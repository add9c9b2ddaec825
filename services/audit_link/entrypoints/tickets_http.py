"""audit_link's HTTP API for audit tickets (稽核工作传单)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.audit_link.adapters import policy_repo, tickets_repo
from services.audit_link.domain import tickets as domain
from services.audit_link.domain.sla_policy import SlaPolicy
from services.audit_link.entrypoints.ticket_schemas import (
    EscalationOut,
    HistoryOut,
    SlaPolicyIO,
    TicketDetail,
    TicketIn,
    TicketOut,
    TicketPage,
    TransitionIn,
)
from services.audit_link.handlers import policies
from services.audit_link.handlers import tickets as handlers
from shared.auth import Principal
from shared.calendar import in_shanghai
from shared.events.audit import TicketReason, TicketState
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.idempotency import IdempotentRequest, idempotent, replayed
from shared.http.problems import Problem
from shared.http.read_cache import cached_json, reads_only
from shared.runtime import Runtime
from shared.scope import ensure_writable
from shared.uow import UnitOfWork
from shared.validation import Period, UnitCode

router = APIRouter(prefix="/api/v1", tags=["tickets"])
_ISSUERS = require_roles("admin", *domain.ISSUE_ROLES)
_ACTORS = require_roles("admin", "customer_service", "marketing", "audit_center")
_READERS = require_roles()
_ADMIN = require_roles("admin")


# The ticket's own fields a TicketOut shows (all plain values: getattr, not dataclasses.asdict, whose
# deep copies were most of a list's cost).
_OUT_FIELDS = tuple(f for f in domain.Ticket.__dataclass_fields__ if f in TicketOut.model_fields)


def _out(t: domain.Ticket, now: datetime) -> dict:
    fields = {k: getattr(t, k) for k in _OUT_FIELDS}
    pending = None
    if t.due_pending_from is not None and t.is_open:
        pending = {"start": in_shanghai(t.due_pending_from), "working_days": t.due_pending_days}
    return {**fields, "due_at": in_shanghai(t.due_at), "deadline_pending": pending,
            "overdue": t.is_open and t.due_at is not None and now > t.due_at}


@router.post("/tickets", status_code=201, response_model=TicketOut, responses=replayed(TicketOut))
async def raise_ticket(
    body: TicketIn, caller: Principal = Depends(_ISSUERS), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime), idem: IdempotentRequest = Depends(idempotent),
) -> Any:
    ensure_writable(caller, body.unit)
    if (replayed := await idem.replay(uow)) is not None:
        return replayed
    now = runtime.clock.now()
    ticket, _ = await handlers.raise_ticket(handlers.RaiseTicket(
        unit=body.unit, period=body.period, reason=body.reason, detail=body.detail, raised_by=caller.subject,
        at=now), uow)
    return await idem.remember(201, TicketOut(**_out(ticket, now)), {"Location": f"/api/v1/tickets/{ticket.id}"})


# Before /tickets/{ticket_id}, which would take "sla-policy" for an id.
@router.get("/tickets/sla-policy", response_model=SlaPolicyIO)
async def get_sla_policy(caller: Principal = Depends(_READERS), uow: UnitOfWork = Depends(get_uow)) -> SlaPolicyIO:
    return SlaPolicyIO(**(await policy_repo.load_sla(uow.session)).to_json())


@router.put("/tickets/sla-policy", response_model=SlaPolicyIO)
async def put_sla_policy(
    body: SlaPolicyIO, caller: Principal = Depends(_ADMIN), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
) -> SlaPolicyIO:
    """Change the SLA numbers: deadlines set from now on, and escalations from the next scanner pass,
    follow them; deadlines already set stay as they are."""
    policy = SlaPolicy(**body.model_dump())
    await policies.put_sla_policy(policies.PutSlaPolicy(policy, caller.subject, runtime.clock.now()), uow)
    return SlaPolicyIO(**policy.to_json())


@router.get("/tickets", response_model=TicketPage)
async def list_tickets(
    request: Request,
    state: TicketState | None = None,
    unit: UnitCode | None = Query(None, description="This unit and every unit below it"),
    reason: TicketReason | None = None, period: Period | None = None,
    overdue: bool = Query(False, description="Only open tickets whose current deadline has passed"),
    cursor: int | None = Query(None, ge=1), limit: int = Query(50, ge=1, le=500),
    caller: Principal = Depends(_READERS), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    now = runtime.clock.now()
    query: dict[str, Any] = {"scope": caller.unit_prefixes(), "unit": unit, "state": state, "reason": reason,
                             "period": period, "overdue_at": now if overdue else None, "after": cursor,
                             "limit": limit + 1}
    # The page is built again only when its tickets changed (or one of them fell overdue): the key
    # holds PostgreSQL's digest of the very rows the page shows.
    await reads_only(uow.session)
    fingerprint = await tickets_repo.list_fingerprint(uow.session, now=now, **query)

    async def unchanged() -> bool:
        return await tickets_repo.list_fingerprint(uow.session, now=now, **query) == fingerprint

    async def page() -> TicketPage:
        rows = await tickets_repo.list_tickets(uow.session, **query)
        shown = rows[:limit]
        return TicketPage(items=[TicketOut(**_out(t, now)) for _, t in shown],
                          next_cursor=str(shown[-1][0]) if len(rows) > limit else None)

    key = ("tickets", query["scope"], unit, state, reason, period, overdue, cursor, limit, fingerprint)
    return await cached_json(request, key, page, still=unchanged)


@router.get("/tickets/{ticket_id}", response_model=TicketDetail)
async def get_ticket(
    ticket_id: uuid.UUID, caller: Principal = Depends(_READERS), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
) -> TicketDetail:
    ticket = await tickets_repo.get_ticket(uow.session, ticket_id)
    if ticket is None or not caller.may_see(ticket.unit):
        raise Problem(404, "未找到", f"没有传单 {ticket_id}")
    history = await tickets_repo.history(uow.session, ticket_id)
    escalations = await tickets_repo.escalations_of(uow.session, ticket_id)
    return TicketDetail(**_out(ticket, runtime.clock.now()),
                        history=[HistoryOut(**h) for h in history],
                        escalations=[EscalationOut(**e) for e in escalations])


@router.post("/tickets/{ticket_id}/transitions", response_model=TicketOut)
async def transition(
    ticket_id: uuid.UUID, body: TransitionIn,
    caller: Principal = Depends(_ACTORS), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
) -> TicketOut:
    """coordinate (marketing) · receive, start_investigation, report (audit_center) · close, reopen
    (customer_service); admin may do all. 409 when the ticket moved on meanwhile."""
    now = runtime.clock.now()
    facts = domain.Facts(note=body.note, findings=body.findings, root_cause=body.root_cause,
                         rectification=body.rectification, accountability_decision=body.accountability_decision)
    ticket = await handlers.transition(handlers.Transition(
        ticket_id=ticket_id, action=body.action, actor=caller.subject, roles=caller.roles, facts=facts,
        expected_version=body.version, at=now, may_see=caller.may_see), uow)
    return TicketOut(**_out(ticket, now))

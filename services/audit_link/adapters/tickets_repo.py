"""Reads and writes of tickets, their append-only history and their escalations. Never commits."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_link.adapters.repository import subtree
from services.audit_link.adapters.tables import escalations, ticket_history, tickets
from services.audit_link.domain.tickets import Ticket
from shared.messaging.sql_events import outbox_insert

_FIELDS = set(Ticket.__dataclass_fields__)


def _to_ticket(row) -> Ticket:
    return Ticket(**{k: v for k, v in row._mapping.items() if k in _FIELDS})


async def add_ticket(session: AsyncSession, t: Ticket, *, idempotency_key: str | None = None) -> bool:
    """Insert; False when an open ticket for the same unit, reason and period exists already
    (or the idempotency key was used)."""
    stmt = insert(tickets).values(**asdict(t), idempotency_key=idempotency_key).on_conflict_do_nothing()
    return (await session.execute(stmt.returning(tickets.c.id))).first() is not None


async def get_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> Ticket | None:
    row = (await session.execute(select(tickets).where(tickets.c.id == ticket_id))).first()
    return _to_ticket(row) if row else None


async def get_by_idempotency_key(session: AsyncSession, key: str) -> Ticket | None:
    row = (await session.execute(select(tickets).where(tickets.c.idempotency_key == key))).first()
    return _to_ticket(row) if row else None


async def find_open(session: AsyncSession, unit: str, reason: str, period: str | None) -> Ticket | None:
    period_match = tickets.c.period.is_(None) if period is None else tickets.c.period == period
    row = (await session.execute(select(tickets).where(
        tickets.c.unit == unit, tickets.c.reason == reason, period_match, tickets.c.state != "closed",
    ))).first()
    return _to_ticket(row) if row else None


async def save_transition(session: AsyncSession, t: Ticket, expected_version: int) -> bool:
    """Optimistic write: False when the ticket moved on since it was read (someone else won)."""
    values = {k: v for k, v in asdict(t).items() if k not in ("id", "raised_by", "raised_at", "unit")}
    result = await session.execute(
        update(tickets).where(tickets.c.id == t.id, tickets.c.version == expected_version).values(**values)
    )
    return result.rowcount == 1


async def add_history(session: AsyncSession, *, ticket_id: uuid.UUID, version: int, action: str,
                      from_state: str | None, to_state: str, actor: str, at: datetime, due_at: datetime | None,
                      details: dict[str, Any]) -> None:
    await session.execute(insert(ticket_history).values(
        ticket_id=ticket_id, version=version, action=action, from_state=from_state, to_state=to_state,
        actor=actor, at=at, due_at=due_at, details=details,
    ))


async def history(session: AsyncSession, ticket_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.execute(select(ticket_history).where(ticket_history.c.ticket_id == ticket_id)
                                 .order_by(ticket_history.c.version))
    return [dict(r._mapping) for r in rows]


async def escalations_of(session: AsyncSession, ticket_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.execute(select(escalations).where(escalations.c.ticket_id == ticket_id)
                                 .order_by(escalations.c.deadline_seq, escalations.c.level))
    return [dict(r._mapping) for r in rows]


async def list_tickets(session: AsyncSession, *, scope: tuple[str, ...] | None, unit: str | None,
                       state: str | None, reason: str | None, period: str | None, overdue_at: datetime | None,
                       after: int | None, limit: int) -> list[tuple[int, Ticket]]:
    stmt = select(tickets).order_by(tickets.c.seq).limit(limit)
    stmt = subtree(stmt, tickets.c.unit, unit, scope)
    for column, value in ((tickets.c.state, state), (tickets.c.reason, reason), (tickets.c.period, period)):
        if value is not None:
            stmt = stmt.where(column == value)
    if overdue_at is not None:
        stmt = stmt.where(tickets.c.due_at < overdue_at, tickets.c.state != "closed")
    if after is not None:
        stmt = stmt.where(tickets.c.seq > after)
    return [(row.seq, _to_ticket(row)) for row in (await session.execute(stmt))]


# --- the SLA scanner -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DueTicket:
    """What the scanner needs of a due ticket."""

    id: uuid.UUID
    unit: str
    state: str
    due_at: datetime
    deadline_seq: int
    escalation_level: int


_CLAIM = text(
    "SELECT id, unit, state, due_at, deadline_seq, escalation_level FROM audit_tickets"
    " WHERE next_escalation_at IS NOT NULL AND next_escalation_at < :now"
    " ORDER BY next_escalation_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)


async def any_due(session: AsyncSession, now: datetime) -> bool:
    stmt = select(tickets.c.id).where(tickets.c.next_escalation_at.is_not(None),
                                      tickets.c.next_escalation_at < now).limit(1)
    return (await session.execute(stmt)).first() is not None


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[DueTicket]:
    """Open tickets whose next escalation is due, locked for this transaction; rows another
    scanner holds are skipped, so replicas share the work instead of repeating it."""
    return [DueTicket(*r) for r in await session.execute(_CLAIM, {"now": now, "limit": limit})]


# Progress, escalation rows and their TicketEscalated events in one statement: an escalation row
# that already existed (another scanner's) inserts nothing, so it emits nothing either.
_ESCALATE = text(
    "WITH v AS (SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:seqs AS int[]), CAST(:levels AS int[]),"
    "   CAST(:nexts AS timestamptz[]), CAST(:emit AS bool[]), CAST(:states AS text[]),"
    "   CAST(:dues AS timestamptz[]), CAST(:units AS text[])) AS v(id, seq, level, next, emit, state, due, unit)),"
    " progress AS (UPDATE audit_tickets AS t SET escalation_level = v.level, next_escalation_at = v.next"
    "   FROM v WHERE t.id = v.id AND t.deadline_seq = v.seq),"
    " esc AS (INSERT INTO audit_escalations (ticket_id, deadline_seq, level, state, due_at, escalated_at)"
    "   SELECT id, seq, level, state, due, :now FROM v WHERE emit"
    "   ON CONFLICT DO NOTHING RETURNING ticket_id, deadline_seq, level, state, due_at),"
    " events AS (" + outbox_insert(
        "TicketEscalated",
        rows="(SELECT esc.*, v.unit FROM esc JOIN v ON v.id = esc.ticket_id)",
        subject="x.unit",
        data="jsonb_build_object('ticket_id', x.ticket_id, 'unit', x.unit, 'state', x.state,"
             " 'level', x.level, 'due_at', to_char(x.due_at AT TIME ZONE 'Asia/Shanghai',"
             " 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), 'escalated_at', CAST(:now_iso AS text))",
    ) + ")"
    " SELECT ticket_id, deadline_seq, level FROM esc"
)


@dataclass(frozen=True)
class Progress:
    ticket: DueTicket
    level: int  # the level reached now
    next_at: datetime  # when the next level falls due
    escalate: bool  # a new level to record and emit


async def escalate(
    session: AsyncSession, now: datetime, items: list[Progress], topic: str,
) -> set[tuple[uuid.UUID, int, int]]:
    """In one statement: move every ticket's escalation progress (only where its deadline is
    unchanged), insert the new escalation rows and their TicketEscalated events on `topic`;
    returns the keys that were new — an existing (ticket, deadline, level) is never emitted again."""
    if not items:
        return set()
    result = await session.execute(_ESCALATE, {
        "ids": [p.ticket.id for p in items], "seqs": [p.ticket.deadline_seq for p in items],
        "levels": [p.level for p in items], "nexts": [p.next_at for p in items],
        "emit": [p.escalate for p in items], "states": [p.ticket.state for p in items],
        "dues": [p.ticket.due_at for p in items], "units": [p.ticket.unit for p in items],
        "now": now, "now_iso": now.isoformat(), "topic": topic,
    })
    return {(r[0], r[1], r[2]) for r in result}


async def postpone(session: AsyncSession, ticket_ids: list[uuid.UUID], until: datetime) -> None:
    """Try these again later (their escalation cannot be computed now, e.g. a year without calendar)."""
    if ticket_ids:
        await session.execute(update(tickets).where(tickets.c.id.in_(ticket_ids)).values(next_escalation_at=until))

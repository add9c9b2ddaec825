"""Reads and writes of tickets, their append-only history and their escalations. Never commits."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Result, Select, delete, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_link.adapters.repository import subtree
from services.audit_link.adapters.tables import escalations, ticket_history, ticket_sla, tickets
from services.audit_link.domain.tickets import Ticket
from shared.messaging.sql_events import outbox_insert

_FIELDS = set(Ticket.__dataclass_fields__)
# The ticket's running SLA lives in audit_ticket_sla (see tables.py); a ticket without a row has none.
_SLA_FIELDS = ("escalation_level", "escalation_repeat", "next_escalation_at")


def _ticket_rows() -> Select:
    return select(tickets, func.coalesce(ticket_sla.c.escalation_level, 0).label("escalation_level"),
                  func.coalesce(ticket_sla.c.escalation_repeat, 0).label("escalation_repeat"),
                  ticket_sla.c.next_escalation_at).select_from(
        tickets.outerjoin(ticket_sla, ticket_sla.c.ticket_seq == tickets.c.seq))


def _to_ticket(row) -> Ticket:
    return Ticket(**{k: v for k, v in row._mapping.items() if k in _FIELDS})


def _seq_and_tickets(result: Result) -> list[tuple[int, Ticket]]:
    """Every row of a _ticket_rows() result: the columns' positions are looked up once, not per row
    (a list of hundreds of tickets spent most of its time in row._mapping)."""
    keys = list(result.keys())
    seq, taken = keys.index("seq"), [(i, k) for i, k in enumerate(keys) if k in _FIELDS]
    return [(row[seq], Ticket(**{k: row[i] for i, k in taken})) for row in result]


def _ticket_values(t: Ticket) -> dict[str, Any]:
    return {k: v for k, v in asdict(t).items() if k not in _SLA_FIELDS}


async def _set_sla(session: AsyncSession, seq: int, t: Ticket) -> None:
    """The ticket's SLA row follows its deadline: written when a new deadline starts (a transition
    that keeps the deadline leaves the scanner's progress alone), removed when it has none."""
    if t.next_escalation_at is None or t.due_at is None:
        await session.execute(delete(ticket_sla).where(ticket_sla.c.ticket_seq == seq))
        return
    stmt = insert(ticket_sla).values(ticket_seq=seq, ticket_id=t.id, deadline_seq=t.deadline_seq, due_at=t.due_at,
                                     escalation_level=t.escalation_level, escalation_repeat=t.escalation_repeat,
                                     next_escalation_at=t.next_escalation_at)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[ticket_sla.c.ticket_seq], set_={c: stmt.excluded[c] for c in (
            "deadline_seq", "due_at", "escalation_level", "escalation_repeat", "next_escalation_at")},
        # a new deadline, or a pending one (same deadline_seq) that has just been computed
        where=(ticket_sla.c.deadline_seq != stmt.excluded.deadline_seq) | (ticket_sla.c.due_at != stmt.excluded.due_at),
    ))


async def add_ticket(session: AsyncSession, t: Ticket, *, idempotency_key: str | None = None) -> bool:
    """Insert; False when an open ticket for the same unit, reason and period exists already
    (or the idempotency key was used)."""
    stmt = insert(tickets).values(**_ticket_values(t), idempotency_key=idempotency_key).on_conflict_do_nothing()
    seq = (await session.execute(stmt.returning(tickets.c.seq))).scalar()
    if seq is None:
        return False
    await _set_sla(session, seq, t)
    return True


async def get_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> Ticket | None:
    row = (await session.execute(_ticket_rows().where(tickets.c.id == ticket_id))).first()
    return _to_ticket(row) if row else None


async def get_by_idempotency_key(session: AsyncSession, key: str) -> Ticket | None:
    row = (await session.execute(_ticket_rows().where(tickets.c.idempotency_key == key))).first()
    return _to_ticket(row) if row else None


async def find_open(session: AsyncSession, unit: str, reason: str, period: str | None) -> Ticket | None:
    period_match = tickets.c.period.is_(None) if period is None else tickets.c.period == period
    row = (await session.execute(_ticket_rows().where(
        tickets.c.unit == unit, tickets.c.reason == reason, period_match, tickets.c.state != "closed",
    ))).first()
    return _to_ticket(row) if row else None


async def last_moment(session: AsyncSession, t: Ticket) -> datetime | None:
    """The latest moment recorded on the ticket: its last change or its last escalation. Locks the
    ticket's SLA row first, so a scanner that is escalating it right now finishes before (and its
    escalation is seen), and none starts until this transaction ends."""
    seq = select(tickets.c.seq).where(tickets.c.id == t.id).scalar_subquery()  # both by primary key
    await session.execute(select(ticket_sla.c.ticket_seq).where(ticket_sla.c.ticket_seq == seq).with_for_update())
    escalated = (await session.execute(
        select(func.max(escalations.c.escalated_at)).where(escalations.c.ticket_id == t.id))).scalar()
    moments = [m for m in (t.updated_at, t.raised_at, escalated) if m is not None]
    return max(moments) if moments else None


async def save_transition(session: AsyncSession, t: Ticket, expected_version: int) -> bool:
    """Optimistic write: False when the ticket moved on since it was read (someone else won)."""
    values = {k: v for k, v in _ticket_values(t).items() if k not in ("id", "raised_by", "raised_at", "unit")}
    result = await session.execute(
        update(tickets).where(tickets.c.id == t.id, tickets.c.version == expected_version).values(**values)
        .returning(tickets.c.seq)
    )
    seq = result.scalar()
    if seq is None:
        return False
    await _set_sla(session, seq, t)
    return True


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
                                 .order_by(escalations.c.deadline_seq, escalations.c.level, escalations.c.repeat))
    return [dict(r._mapping) for r in rows]


def _list_select(*, scope: tuple[str, ...] | None, unit: str | None, state: str | None, reason: str | None,
                 period: str | None, overdue_at: datetime | None, after: int | None, limit: int) -> Select:
    stmt = _ticket_rows().order_by(tickets.c.seq).limit(limit)
    stmt = subtree(stmt, tickets.c.unit, unit, scope)
    for column, value in ((tickets.c.state, state), (tickets.c.reason, reason), (tickets.c.period, period)):
        if value is not None:
            stmt = stmt.where(column == value)
    if overdue_at is not None:
        stmt = stmt.where(tickets.c.due_at < overdue_at, tickets.c.state != "closed")
    if after is not None:
        stmt = stmt.where(tickets.c.seq > after)
    return stmt


async def list_tickets(session: AsyncSession, *, scope: tuple[str, ...] | None, unit: str | None,
                       state: str | None, reason: str | None, period: str | None, overdue_at: datetime | None,
                       after: int | None, limit: int) -> list[tuple[int, Ticket]]:
    return _seq_and_tickets(await session.execute(_list_select(
        scope=scope, unit=unit, state=state, reason=reason, period=period, overdue_at=overdue_at, after=after,
        limit=limit)))


async def list_fingerprint(session: AsyncSession, *, now: datetime, scope: tuple[str, ...] | None,
                           unit: str | None, state: str | None, reason: str | None, period: str | None,
                           overdue_at: datetime | None, after: int | None, limit: int) -> tuple[str | None, int]:
    """What list_tickets(...) would return, in two figures PostgreSQL computes without sending the rows:
    a digest of every row (all its columns, ticket and SLA, in order) and how many of them are open past
    their deadline at `now`. Equal figures, equal tickets: a page built from them can be served again."""
    rows = _list_select(scope=scope, unit=unit, state=state, reason=reason, period=period, overdue_at=overdue_at,
                        after=after, limit=limit).subquery("listed")
    digest = func.md5(func.string_agg(literal_column("CAST(listed AS text)"),
                                      aggregate_order_by(literal_column("','"), rows.c.seq)))
    overdue = func.count().filter(rows.c.due_at < now, rows.c.state != "closed")
    digest_value, overdue_count = (await session.execute(select(digest, overdue).select_from(rows))).one()
    return digest_value, overdue_count


async def pending_deadlines(session: AsyncSession, *, lock: bool) -> list[tuple[int, Ticket]]:
    """Open tickets whose deadline waits for a calendar year (few: late December's), optionally locked."""
    stmt = _ticket_rows().where(tickets.c.due_pending_from.is_not(None), tickets.c.state != "closed")
    if lock:
        stmt = stmt.with_for_update(of=tickets)
    return _seq_and_tickets(await session.execute(stmt.order_by(tickets.c.seq)))


async def count_pending(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(tickets).where(tickets.c.due_pending_from.is_not(None),
                                                           tickets.c.state != "closed")
    return (await session.execute(stmt)).scalar_one()


async def save_settled(session: AsyncSession, seq: int, t: Ticket) -> None:
    """Store a pending deadline that has just been computed (the row is locked by pending_deadlines)."""
    await session.execute(update(tickets).where(tickets.c.seq == seq).values(
        due_at=t.due_at, due_pending_from=None, due_pending_days=None, version=t.version, updated_at=t.updated_at))
    await _set_sla(session, seq, t)


# --- the SLA scanner -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DueTicket:
    """What the scanner needs of a due ticket."""

    seq: int
    id: uuid.UUID
    unit: str
    state: str
    due_at: datetime
    deadline_seq: int
    escalation_level: int
    escalation_repeat: int = 0

    @property
    def step(self) -> int:
        """Escalation steps taken for this deadline (levels 1..cap, then repeats of the cap)."""
        return self.escalation_level + self.escalation_repeat


# Only the SLA rows are locked: a transition locks the SLA row first (tickets_repo.last_moment),
# then writes the ticket; the scanner never locks a ticket, so neither waits in a circle.
# A ticket changed at a moment later than this pass's `now` is left for a later pass: an escalation
# is never recorded before the change that started the ticket's current stage.
_CLAIM = text(
    "SELECT s.ticket_seq, s.ticket_id, t.unit, t.state, s.due_at, s.deadline_seq, s.escalation_level,"
    " s.escalation_repeat"
    " FROM audit_ticket_sla AS s JOIN audit_tickets AS t ON t.seq = s.ticket_seq"
    " WHERE s.next_escalation_at < :now AND t.state <> 'closed' AND coalesce(t.updated_at, t.raised_at) <= :now"
    " ORDER BY s.next_escalation_at LIMIT :limit FOR UPDATE OF s SKIP LOCKED"
)


async def any_due(session: AsyncSession, now: datetime) -> bool:
    stmt = select(ticket_sla.c.ticket_seq).where(ticket_sla.c.next_escalation_at < now).limit(1)
    return (await session.execute(stmt)).first() is not None


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[DueTicket]:
    """Open tickets whose next escalation is due, locked for this transaction; rows another
    scanner holds are skipped, so replicas share the work instead of repeating it."""
    return [DueTicket(*r) for r in await session.execute(_CLAIM, {"now": now, "limit": limit})]


# Progress, escalation rows and their TicketEscalated events in one statement: an escalation row
# that already existed (another scanner's) inserts nothing, so it emits nothing either.
# Escalations only for rows whose progress moved (their deadline is still the one claimed).
_ESCALATE = text(
    "WITH v AS (SELECT * FROM unnest(CAST(:seqs AS bigint[]), CAST(:ids AS uuid[]), CAST(:deadlines AS int[]),"
    "   CAST(:levels AS int[]), CAST(:repeats AS int[]), CAST(:nexts AS timestamptz[]), CAST(:emit AS bool[]),"
    "   CAST(:states AS text[]), CAST(:dues AS timestamptz[]), CAST(:units AS text[]))"
    "   AS v(seq, id, deadline, level, repeat, next, emit, state, due, unit)),"
    " progress AS (UPDATE audit_ticket_sla AS s SET escalation_level = v.level, escalation_repeat = v.repeat,"
    "   next_escalation_at = v.next FROM v WHERE s.ticket_seq = v.seq AND s.deadline_seq = v.deadline"
    "   RETURNING s.ticket_seq),"
    " esc AS (INSERT INTO audit_escalations (ticket_id, deadline_seq, level, repeat, state, due_at, escalated_at)"
    "   SELECT id, deadline, level, repeat, state, due, :now FROM v JOIN progress ON progress.ticket_seq = v.seq"
    "   WHERE emit ON CONFLICT DO NOTHING RETURNING ticket_id, deadline_seq, level, repeat, state, due_at),"
    " events AS (" + outbox_insert(
        "TicketEscalated",
        rows="(SELECT esc.*, v.unit FROM esc JOIN v ON v.id = esc.ticket_id)",
        subject="x.unit",
        data="jsonb_build_object('ticket_id', x.ticket_id, 'unit', x.unit, 'state', x.state,"
             " 'level', x.level, 'due_at', to_char(x.due_at AT TIME ZONE 'Asia/Shanghai',"
             " 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), 'escalated_at', CAST(:now_iso AS text))",
    ) + ")"
    " SELECT ticket_id, deadline_seq, level, repeat FROM esc"
)


@dataclass(frozen=True)
class Progress:
    ticket: DueTicket
    level: int  # the level reached now
    repeat: int  # repeats of the capped level reached now
    next_at: datetime  # when the next step falls due
    escalate: bool  # a new step to record and emit


async def escalate(
    session: AsyncSession, now: datetime, items: list[Progress], topic: str,
) -> set[tuple[uuid.UUID, int, int, int]]:
    """In one statement: move every ticket's escalation progress (only where its deadline is
    unchanged), insert the new escalation rows and their TicketEscalated events on `topic`;
    returns the keys that were new — an existing (ticket, deadline, level, repeat) is never emitted again."""
    if not items:
        return set()
    result = await session.execute(_ESCALATE, {
        "seqs": [p.ticket.seq for p in items], "ids": [p.ticket.id for p in items],
        "deadlines": [p.ticket.deadline_seq for p in items],
        "levels": [p.level for p in items], "repeats": [p.repeat for p in items],
        "nexts": [p.next_at for p in items],
        "emit": [p.escalate for p in items], "states": [p.ticket.state for p in items],
        "dues": [p.ticket.due_at for p in items], "units": [p.ticket.unit for p in items],
        "now": now, "now_iso": now.isoformat(), "topic": topic,
    })
    return {(r[0], r[1], r[2], r[3]) for r in result}


async def postpone(session: AsyncSession, ticket_seqs: list[int], until: datetime) -> None:
    """Try these again later (their escalation cannot be computed now, e.g. a year without calendar)."""
    if ticket_seqs:
        await session.execute(update(ticket_sla).where(ticket_sla.c.ticket_seq.in_(ticket_seqs))
                              .values(next_escalation_at=until))

"""The SLA scanner: escalate tickets whose deadline passed, one level per further working day up
to the policy's cap, then the cap level again every `repeat_every_days` working days.

Safe with any number of replicas: due tickets are claimed FOR UPDATE SKIP LOCKED, and each
(ticket, deadline, level, repeat) is an escalation row inserted in the same transaction as its
event, so a step is emitted exactly once even if two scanners ever looked at the same ticket. Only
the step reached now is emitted: after a scanner outage a ticket jumps to its current step. The
state escalated is the one the ticket is in when claimed (its SLA row locked), for the deadline
that row holds; a ticket changed at a moment after the pass's `now` waits for a later pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.audit_link.adapters import calendar_repo, policy_repo, tickets_repo
from services.audit_link.adapters.tickets_repo import Progress
from services.audit_link.domain.sla import Escalator, split
from services.audit_link.domain.sla_policy import SlaPolicy
from shared.calendar import CalendarData, CalendarMissing
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)
RETRY_WITHOUT_CALENDAR = timedelta(hours=1)


@dataclass
class ScanResult:
    escalated: int = 0  # events emitted
    breaches: int = 0  # of which first escalations of a deadline (level-1 breaches, normally)
    postponed: int = 0  # tickets whose level needs a calendar year not loaded yet


async def scan_batch(uow: UnitOfWork, now: datetime, cal: CalendarData, limit: int,
                     policy: SlaPolicy | None = None) -> tuple[ScanResult, int]:
    """Escalate up to `limit` due tickets in this unit of work (committed); returns (result, claimed)."""
    policy = policy or SlaPolicy()
    due = await tickets_repo.claim_due(uow.session, now, limit)
    escalator = Escalator(cal, now, policy)
    items: list[Progress] = []
    postponed = []
    for t in due:
        try:
            step = max(escalator.step(t.due_at), t.step)
            next_at = escalator.next_at(t.due_at, step)
        except CalendarMissing as exc:
            log.error("ticket %s: cannot compute its escalation: %s", t.id, exc)
            postponed.append(t.seq)
            continue
        items.append(Progress(t, *split(policy, step), next_at, step > t.step))
    new = await tickets_repo.escalate(uow.session, now, items, uow.topic_of("TicketEscalated"))
    result = ScanResult(postponed=len(postponed))
    for p in items:
        t = p.ticket
        if p.escalate and (t.id, t.deadline_seq, p.level, p.repeat) in new:
            result.escalated += 1
            result.breaches += t.step == 0
    await tickets_repo.postpone(uow.session, postponed, now + RETRY_WITHOUT_CALENDAR)
    await uow.commit()
    return result, len(due)


async def scan(uow_factory: Callable[[], UnitOfWork], now: datetime, *, batch: int = 1000,
               lanes: int = 2) -> ScanResult:
    """One pass: batches until nothing is due at `now`. `lanes` batches run side by side (each its
    own transaction; SKIP LOCKED keeps them apart), so the database works on one while Python
    prepares the next one's events."""
    total = ScanResult()
    async with uow_factory() as uow:
        if not await tickets_repo.any_due(uow.session, now):
            return total  # the common case, every few seconds: one index probe, no calendar
        cal = await calendar_repo.load(uow.session)
        policy = await policy_repo.load_sla(uow.session)

    async def lane() -> None:
        while True:
            async with uow_factory() as uow:
                result, claimed = await scan_batch(uow, now, cal, batch, policy)
            total.escalated += result.escalated
            total.breaches += result.breaches
            total.postponed += result.postponed
            if claimed < batch:
                return

    await asyncio.gather(*(lane() for _ in range(max(1, lanes))))
    return total

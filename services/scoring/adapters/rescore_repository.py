"""Requests to score a period again (its counters changed after it was scored). Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import rescore_requests


async def request(session: AsyncSession, period: str, at: datetime) -> None:
    """Ask for a re-score; a pending request keeps its first time and due time, and counts this one."""
    stmt = insert(rescore_requests).values(period=period, requested_at=at, events=1)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[rescore_requests.c.period], set_={"events": rescore_requests.c.events + 1}))


async def clear(session: AsyncSession, period: str) -> None:
    """The period is being scored now. Called before its counters are read: a request committed
    earlier is answered by this run (its counters are visible), one that commits later waits for
    this row lock or adds a row of its own, and so is answered by the next run."""
    await session.execute(delete(rescore_requests).where(rescore_requests.c.period == period))


async def schedule_new(session: AsyncSession, due_at: datetime) -> None:
    """Requests the re-scorer sees for the first time fall due at `due_at`."""
    await session.execute(update(rescore_requests).where(rescore_requests.c.due_at.is_(None))
                          .values(due_at=due_at))


async def claim_due(session: AsyncSession, now: datetime) -> str | None:
    """The period that fell due first, locked; other re-scorers skip it."""
    stmt = (select(rescore_requests.c.period).where(rescore_requests.c.due_at <= now)
            .order_by(rescore_requests.c.due_at).limit(1).with_for_update(skip_locked=True))
    return (await session.execute(stmt)).scalar()


async def postpone(session: AsyncSession, period: str, until: datetime) -> None:
    await session.execute(update(rescore_requests).where(rescore_requests.c.period == period)
                          .values(due_at=until))

"""The inbox: consumed event ids, recorded in the same transaction as their effect."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.messaging.tables import inbox


async def claim(session: AsyncSession, consumer: str, event_id: uuid.UUID, event_type: str) -> bool:
    """True the first time this consumer sees the event; False for a redelivery.

    A concurrent duplicate waits on the primary key until the first transaction ends.
    """
    result = await session.execute(
        insert(inbox)
        .values(consumer=consumer, event_id=event_id, event_type=event_type)
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return result.first() is not None

"""The inbox: consumed event ids, recorded in the same transaction as their effect."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import text
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


# One statement for a fetched batch: the ids sorted so that two consumers claiming overlapping
# batches take the primary-key locks in the same order (no deadlock between them).
_CLAIM_MANY = text(
    "INSERT INTO m2c_inbox (consumer, event_id, event_type)"
    " SELECT :consumer, e.id, e.type FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[])) AS e(id, type)"
    " ORDER BY e.id ON CONFLICT DO NOTHING RETURNING event_id"
)
_RELEASE = text("DELETE FROM m2c_inbox WHERE consumer = :consumer AND event_id = ANY(CAST(:ids AS uuid[]))")


async def claim_many(session: AsyncSession, consumer: str,
                     events: Sequence[tuple[uuid.UUID, str]]) -> set[uuid.UUID]:
    """The ids among `events` this consumer sees for the first time (one round trip for the batch)."""
    first: dict[uuid.UUID, str] = {}
    for event_id, event_type in events:
        first.setdefault(event_id, event_type)
    if not first:
        return set()
    result = await session.execute(_CLAIM_MANY, {
        "consumer": consumer, "ids": list(first), "types": list(first.values())})
    return {row[0] for row in result}


async def release(session: AsyncSession, consumer: str, event_ids: Sequence[uuid.UUID]) -> None:
    """Undo claims made in this transaction for events it did not apply after all."""
    if event_ids:
        await session.execute(_RELEASE, {"consumer": consumer, "ids": list(event_ids)})

"""Unit of work: one transaction per command or consumed event, events written to the outbox in it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock, SystemClock
from shared.events.catalog import by_model, by_name
from shared.events.envelope import Envelope, EventPayload, new_envelope
from shared.observability import current_correlation_id

_INSERT_OUTBOX = text(
    "INSERT INTO m2c_outbox (event_id, event_type, topic, key, payload, headers)"
    " SELECT e.id, e.type, e.topic, e.key, e.payload::jsonb, CAST(:headers AS jsonb)"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:topics AS text[]),"
    "             CAST(:keys AS text[]), CAST(:payloads AS text[])) WITH ORDINALITY"
    " AS e(id, type, topic, key, payload, position) ORDER BY e.position"
)


class UnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], topic_name: Callable[[str], str],
                 clock: Clock | None = None):
        self._session_factory = session_factory
        self._topic_name = topic_name
        # Event times follow the service's clock, like every other time it writes (the demo's
        # back-dated history, tests that move time), not the wall clock.
        self._clock = clock or SystemClock()
        self._pending: list[tuple[Envelope, str, str | None]] = []
        self.session: AsyncSession

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        await self.session.begin()
        self._pending = []
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # Anything not committed explicitly is rolled back: a half-done command leaves no trace.
        if self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()

    def topic_of(self, event_type: str) -> str:
        """The topic (with this environment's prefix) an event type is published on."""
        return self._topic_name(by_name()[event_type].topic)

    def emit(self, payload: EventPayload, *, subject: str | None, key: str | None = None) -> Envelope:
        """Queue an event; it reaches the outbox in this transaction, at commit."""
        event_type = by_model()[type(payload)]
        envelope = new_envelope(
            type_=event_type.name, source=event_type.source, version=event_type.version,
            subject=subject, data=payload.model_dump(mode="json"), time=self._clock.now(),
        )
        self._pending.append((envelope, self._topic_name(event_type.topic), key or subject))
        return envelope

    async def commit(self) -> None:
        if self._pending:
            correlation_id = current_correlation_id()
            headers = json.dumps({"correlation_id": correlation_id} if correlation_id else {})
            pending = self._pending
            # One statement over arrays: a batch of thousands of events costs one round trip,
            # and each envelope is serialised once, by pydantic, straight to JSON text.
            await self.session.execute(_INSERT_OUTBOX, {
                "ids": [env.id for env, _, _ in pending],
                "types": [env.type for env, _, _ in pending],
                "topics": [topic for _, topic, _ in pending],
                "keys": [key for _, _, key in pending],
                "payloads": [env.model_dump_json() for env, _, _ in pending],
                "headers": headers,
            })
            self._pending = []
        await self.session.commit()

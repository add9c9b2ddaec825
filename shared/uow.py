"""Unit of work: one transaction per command or consumed event, events written to the outbox in it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock, SystemClock
from shared.events.catalog import by_model, by_name
from shared.events.envelope import Envelope, EventPayload, new_envelope
from shared.observability import current_correlation_id

_INSERT_OUTBOX = text(
    "INSERT INTO m2c_outbox (event_id, event_type, topic, key, payload, headers)"
    " SELECT e.id, e.type, e.topic, e.key, e.payload::jsonb, e.headers::jsonb"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:topics AS text[]),"
    "             CAST(:keys AS text[]), CAST(:payloads AS text[]), CAST(:headers AS text[])) WITH ORDINALITY"
    " AS e(id, type, topic, key, payload, headers, position) ORDER BY e.position"
)


class UnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], topic_name: Callable[[str], str],
                 clock: Clock | None = None):
        self._session_factory = session_factory
        self._topic_name = topic_name
        # Event times follow the service's clock, like every other time it writes (the demo's
        # back-dated history, tests that move time), not the wall clock.
        self._clock = clock or SystemClock()
        # (envelope, topic, key, headers as JSON text): the correlation id is taken at emit time, so
        # a batch of consumed events keeps each one's own.
        self._pending: list[tuple[Envelope, str, str | None, str]] = []
        self._commits_deferred = False
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
        correlation_id = current_correlation_id()
        headers = json.dumps({"correlation_id": correlation_id} if correlation_id else {})
        self._pending.append((envelope, self._topic_name(event_type.topic), key or subject, headers))
        return envelope

    @contextlib.asynccontextmanager
    async def deferred_commits(self) -> AsyncIterator[None]:
        """A batch of consumed events in this one transaction: a handler's commit() only says it is
        done; the batch commits once, at its end (commit() after the block)."""
        self._commits_deferred = True
        try:
            yield
        finally:
            self._commits_deferred = False

    async def commit(self) -> None:
        if self._commits_deferred:
            return
        if self._pending:
            pending = self._pending
            # One statement over arrays: a batch of thousands of events costs one round trip,
            # and each envelope is serialised once, by pydantic, straight to JSON text.
            await self.session.execute(_INSERT_OUTBOX, {
                "ids": [p[0].id for p in pending],
                "types": [p[0].type for p in pending],
                "topics": [p[1] for p in pending],
                "keys": [p[2] for p in pending],
                "payloads": [p[0].model_dump_json() for p in pending],
                "headers": [p[3] for p in pending],
            })
            self._pending = []
        await self.session.commit()

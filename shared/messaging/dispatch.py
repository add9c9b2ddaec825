"""Routes one envelope to its handler inside one unit of work, guarded by the inbox."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shared.events.catalog import by_model, by_name
from shared.events.envelope import Envelope, EventPayload, validate_payload
from shared.messaging import inbox
from shared.messaging.failures import is_transient
from shared.observability import set_correlation_id
from shared.uow import UnitOfWork

P = TypeVar("P", bound=EventPayload, covariant=True)  # covariant: a handler of A | B takes an A
M = TypeVar("M", bound=EventPayload)


@dataclass(frozen=True)
class ReceivedEvent(Generic[P]):
    envelope: Envelope
    payload: P  # the model the catalog registers for envelope.type


# A handler as the dispatcher holds it: its payload type is checked where it is registered (`route`).
Handler = Callable[[ReceivedEvent[Any], UnitOfWork], Awaitable[None]]
# A consumer's handlers by the event's model class (shared/events/catalog.py): the dispatcher finds
# the class from the envelope's type in the catalog.
Handlers = Mapping[type[EventPayload], Handler]


@dataclass(frozen=True)
class Route(Generic[M]):
    """One registration: `route(ErrorReported, on_error_reported)`; mypy checks that the handler
    takes a ReceivedEvent of that model (or of a union containing it)."""

    model: type[M]
    handler: Callable[[ReceivedEvent[M], UnitOfWork], Awaitable[None]]


def route(model: type[M], handler: Callable[[ReceivedEvent[M], UnitOfWork], Awaitable[None]]) -> Route[M]:
    return Route(model, handler)


def routes(*registrations: Route[Any]) -> dict[type[EventPayload], Handler]:
    """A consumer's `{EventModel: handler}`, each pair type-checked by `route`."""
    out: dict[type[EventPayload], Handler] = {}
    for r in registrations:
        if r.model in out:
            raise ValueError(f"{r.model.__name__} is routed twice")
        out[r.model] = r.handler
    return out

# Called before a unit of work's commit (and, to find which event broke it, after each event):
# writes a service held back to make them set-based go to the database.
Flush = Callable[[], Awaitable[None]]
# A service's look at the events of a batch before their handlers run, in the batch's unit of work
# (read once what every event needs, lock in one statement what they will change). Returns the
# flush of what the handlers will hold back.
BatchPreparer = Callable[[Sequence[ReceivedEvent[EventPayload]], UnitOfWork], Awaitable[Flush]]


class BatchHandlers(dict[type[EventPayload], Handler]):
    """Handlers per event model with a preparer for the batch (see BatchPreparer): pass it where a
    plain mapping of handlers goes, and the dispatcher runs `prepare` first in every transaction."""

    def __init__(self, handlers: Handlers, prepare: BatchPreparer):
        super().__init__(handlers)
        self.prepare = prepare


class _FlushFailed(Exception):
    """The writes held back for the batch failed at its end: which event caused it is not known yet."""

    def __init__(self, cause: Exception):
        super().__init__(repr(cause))
        self.cause = cause


class EventDispatcher:
    def __init__(self, consumer: str, handlers: Handlers, uow_factory: Callable[[], UnitOfWork]):
        self.consumer = consumer
        catalog = by_model()
        if unknown := [getattr(m, "__name__", repr(m)) for m in handlers if m not in catalog]:
            raise ValueError(f"{consumer}: handlers are keyed by an event model of the catalog, not by "
                             f"{', '.join(unknown)}")
        # By the catalog's type name of each model: what an envelope's `type` carries.
        self._handlers: dict[str, Handler] = {catalog[m].name: h for m, h in handlers.items()}
        self._prepare: BatchPreparer | None = getattr(handlers, "prepare", None)
        self._uow_factory = uow_factory

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def decode(self, envelope: Envelope) -> ReceivedEvent[EventPayload] | None:
        """The typed event, or None when this consumer has no handler for the type.

        Raises PoisonMessage when the payload breaks its registered schema.
        """
        if envelope.type not in self._handlers:
            return None
        payload: EventPayload = validate_payload(by_name()[envelope.type].model, envelope)
        return ReceivedEvent(envelope, payload)

    async def dispatch(self, event: ReceivedEvent[EventPayload]) -> str:
        """Apply the event once; returns the outcome ("processed" or "duplicate")."""
        async with self._uow_factory() as uow:
            if not await inbox.claim(uow.session, self.consumer, event.envelope.id, event.envelope.type):
                return "duplicate"
            flush = await self._prepare([event], uow) if self._prepare is not None else None
            await self._handlers[event.envelope.type](event, uow)
            if flush is not None:
                await flush()
            await uow.commit()
        return "processed"

    async def dispatch_batch(self, events: Sequence[ReceivedEvent[EventPayload]],
                             correlation_ids: Sequence[str | None]) -> tuple[list[str], BaseException | None]:
        """Apply events in order in one transaction: one set-based inbox claim for all of them, the
        handlers one after the other, one outbox insert and one commit at the end.

        Returns the outcomes of the events applied and, when one failed deterministically, its
        error: that event and the ones after it are not applied, so the caller retries it alone
        (attempts, dead-lettering) and goes on after it, in order. A transient failure (the
        database away, a deadlock) raises: nothing is committed and the caller retries the batch.

        Optimistic rather than a SAVEPOINT per event: a savepoint costs two more round trips per
        event (four with SQLAlchemy's numbered savepoints, each prepared anew; that variant ran
        at about half the rate in one pair of runs, later runs on the loaded machine were within
        noise), and past 64 subtransactions PostgreSQL's subxid cache overflows, which slows
        every other session's snapshots. A failure is rare; then the batch is rolled back and the
        events before the failing one are applied again in a fresh transaction, so none of their
        work is lost.
        """
        outcomes, failure = await self._apply_batch(events, correlation_ids)
        if isinstance(failure, _FlushFailed):
            # Writes held back to the end failed there: go again writing after each event, which
            # names the event that breaks them (rare: a handler bug or data a column cannot take).
            outcomes, failure = await self._apply_batch(events, correlation_ids, flush_each=True)
        if failure is None or not outcomes:
            return outcomes, failure
        again, second = await self._apply_batch(events[:len(outcomes)], correlation_ids[:len(outcomes)])
        return again, second or failure  # failing now where it did not before: that one is retried alone

    async def _apply_batch(self, events: Sequence[ReceivedEvent[EventPayload]], correlation_ids: Sequence[str | None],
                           *, flush_each: bool = False) -> tuple[list[str], BaseException | None]:
        outcomes: list[str] = []
        async with self._uow_factory() as uow:
            fresh = await inbox.claim_many(uow.session, self.consumer,
                                           [(e.envelope.id, e.envelope.type) for e in events])
            flush: Flush | None = None
            if self._prepare is not None and fresh:
                try:
                    flush = await self._prepare(_first_sightings(events, fresh), uow)
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    return outcomes, exc  # nothing applied: the first event is retried alone
            async with uow.deferred_commits():
                for event, correlation_id in zip(events, correlation_ids, strict=True):
                    if event.envelope.id not in fresh:  # seen before (or twice in this batch)
                        outcomes.append("duplicate")
                        continue
                    fresh.discard(event.envelope.id)
                    set_correlation_id(correlation_id)
                    try:
                        await self._handlers[event.envelope.type](event, uow)
                        if flush is not None and flush_each:
                            await flush()
                    except Exception as exc:
                        if is_transient(exc):
                            raise
                        return outcomes, exc  # leaving the block rolls the whole batch back
                    outcomes.append("processed")
            if flush is not None:
                try:
                    await flush()
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    return [], _FlushFailed(exc)
            await uow.commit()
        return outcomes, None


def _first_sightings(events: Sequence[ReceivedEvent[EventPayload]],
                     fresh: set[uuid.UUID]) -> list[ReceivedEvent[EventPayload]]:
    """The events the handlers will see: claimed now, each id once."""
    seen: set[uuid.UUID] = set()
    out: list[ReceivedEvent[EventPayload]] = []
    for e in events:
        if e.envelope.id in fresh and e.envelope.id not in seen:
            seen.add(e.envelope.id)
            out.append(e)
    return out

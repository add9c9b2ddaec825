"""Routes one envelope to its handler inside one unit of work, guarded by the inbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.events.catalog import by_name
from shared.events.envelope import Envelope, EventPayload, validate_payload
from shared.messaging import inbox
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class ReceivedEvent:
    envelope: Envelope
    payload: Any  # the EventPayload model registered for envelope.type


Handler = Callable[[ReceivedEvent, UnitOfWork], Awaitable[None]]


class EventDispatcher:
    def __init__(self, consumer: str, handlers: Mapping[str, Handler], uow_factory: Callable[[], UnitOfWork]):
        self.consumer = consumer
        self._handlers = dict(handlers)
        self._uow_factory = uow_factory

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def decode(self, envelope: Envelope) -> ReceivedEvent | None:
        """The typed event, or None when this consumer has no handler for the type.

        Raises PoisonMessage when the payload breaks its registered schema.
        """
        if envelope.type not in self._handlers:
            return None
        payload: EventPayload = validate_payload(by_name()[envelope.type].model, envelope)
        return ReceivedEvent(envelope, payload)

    async def dispatch(self, event: ReceivedEvent) -> str:
        """Apply the event once; returns the outcome ("processed" or "duplicate")."""
        async with self._uow_factory() as uow:
            if not await inbox.claim(uow.session, self.consumer, event.envelope.id, event.envelope.type):
                return "duplicate"
            await self._handlers[event.envelope.type](event, uow)
            await uow.commit()
        return "processed"

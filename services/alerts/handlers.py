"""alerts' event handlers: one function each, (event, uow) -> None."""

from __future__ import annotations

from services.alerts.adapters import repository
from services.alerts.domain import alerts as domain
from shared.events.audit import ErrorReported
from shared.messaging.dispatch import ReceivedEvent
from shared.uow import UnitOfWork


async def on_error_reported(event: ReceivedEvent, uow: UnitOfWork) -> None:
    e: ErrorReported = event.payload
    signal = domain.from_error_reported(
        str(e.error_id), e.unit, e.period, e.category, e.nature, str(e.amount), e.level,
    )
    await repository.record_signal(uow.session, signal, event.envelope.id, event.envelope.time)

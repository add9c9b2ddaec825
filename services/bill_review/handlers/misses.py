"""audit_link's registered errors (ErrorReported on m2c.audit.v1), kept to count the rules' misses."""

from __future__ import annotations

from services.bill_review.adapters import misses_repo
from shared.events.audit import ErrorReported
from shared.messaging.dispatch import ReceivedEvent
from shared.uow import UnitOfWork


async def on_error_reported(event: ReceivedEvent[ErrorReported], uow: UnitOfWork) -> None:
    """Keep an error that names a customer (one without cannot be matched to a bill); the inbox and the
    error id make it once-only. Whether it is a miss is decided when effectiveness is read."""
    e = event.payload
    if not e.customer_no:
        return
    await misses_repo.add_error(uow.session, error_id=e.error_id, period=e.period, unit=e.unit,
                                customer_no=e.customer_no, bills_affected=e.bills_affected,
                                reported_at=e.reported_at, received_at=event.envelope.time)

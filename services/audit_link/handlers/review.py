"""Bill review's confirmed suspects (ReviewSuspectConfirmed on m2c.review.v1) become registered errors."""

from __future__ import annotations

import logging

from services.audit_link.adapters import rejections
from services.audit_link.handlers import reference
from services.audit_link.handlers.errors import ReportError, record_error
from shared.events.review import ReviewSuspectConfirmed
from shared.messaging.dispatch import ReceivedEvent
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


def review_key(event: ReviewSuspectConfirmed) -> str:
    """The idempotency key of the error a confirmation registers: one error per error_id, even if the
    event came again under another envelope id (the inbox dedups only by envelope)."""
    return f"bill_review:{event.error_id}"


def evidence(event: ReviewSuspectConfirmed) -> str:
    return f"bill_review:{event.suspect_id} bill {event.bill_id} rule {event.rule}"


async def on_review_suspect_confirmed(event: ReceivedEvent[ReviewSuspectConfirmed], uow: UnitOfWork) -> None:
    """Register the error exactly as POST /errors does (graded, ErrorReported with bills_affected), with
    the id bill review gave it, the confirmer as reporter and the suspect, bill and rule as evidence.

    An unknown unit or a period after the envelope's month is refused for good, as for ReportError:
    kept in audit_rejected_commands with the problems, a warning logged, nothing else written."""
    e = event.payload
    cmd = ReportError(
        unit=e.unit, period=e.period, category=e.category, nature=e.nature, amount=e.amount,
        description=e.description, customer_no=e.customer_no, reporter=e.confirmed_by, evidence=evidence(e),
        idempotency_key=review_key(e), bills_affected=e.bills_affected, error_id=e.error_id,
        at=event.envelope.time,
    )
    try:  # the reference check comes before any write, so a refused confirmation leaves nothing behind
        await record_error(cmd, uow, fields=("data.unit", "data.period"))
    except reference.InvalidReference as exc:
        log.warning("ReviewSuspectConfirmed %s refused: %s", event.envelope.id, exc)
        await rejections.record(uow.session, event_id=event.envelope.id, event_type=event.envelope.type,
                                problems=exc.problems, payload=event.envelope.data, at=event.envelope.time)

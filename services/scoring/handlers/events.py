"""The events scoring consumes: an error adds to `bills_erroneous`; bill review's snapshots and
decisions set the `review` counters. A period already scored is queued to be scored again (DESIGN §3)."""

from __future__ import annotations

from datetime import datetime

from services.scoring.adapters import counter_repository, rescore_repository, score_repository
from shared.events.audit import ErrorReported
from shared.events.review import BillReviewCompleted, ReviewSuspectCleared, ReviewSuspectConfirmed
from shared.messaging.dispatch import ReceivedEvent
from shared.uow import UnitOfWork


async def on_error_reported(event: ReceivedEvent[ErrorReported], uow: UnitOfWork) -> None:
    """An error adds the bills it touched (`bills_affected`) once into bills_erroneous of its unit and
    period (the inbox dedups); a period already scored is queued to be scored again (DESIGN §3)."""
    e = event.payload
    await counter_repository.increment(uow.session, e.period, e.unit, "bills_erroneous", e.bills_affected,
                                       counter_repository.EVENTS, event.envelope.time)
    await _rescore_if_scored(uow, e.period, event.envelope.time)


async def _rescore_if_scored(uow: UnitOfWork, period: str, at: datetime) -> None:
    if await score_repository.latest_revision(uow.session, period) is not None:
        await rescore_repository.request(uow.session, period, at)


async def on_bill_review_completed(event: ReceivedEvent[BillReviewCompleted], uow: UnitOfWork) -> None:
    """A unit's review snapshot sets (never adds) its `review` counters for the period: bills reviewed,
    suspects on record (open + confirmed + cleared: a decided suspect stays even when a re-run no longer
    raises it), open, handled (confirmed + cleared). A scored period is queued to be scored again."""
    e = event.payload
    await counter_repository.set_values(uow.session, e.period, e.unit, {
        "bills_reviewed": e.bills, "review_suspects": e.open + e.confirmed + e.cleared,
        "review_suspects_open": e.open, "review_suspects_handled": e.confirmed + e.cleared,
    }, counter_repository.REVIEW, event.envelope.time)
    await _rescore_if_scored(uow, e.period, event.envelope.time)


async def on_review_suspect_decided(event: ReceivedEvent[ReviewSuspectConfirmed | ReviewSuspectCleared],
                                     uow: UnitOfWork) -> None:
    """A suspect confirmed or cleared between two runs moves one suspect from open to handled in the
    unit's latest snapshot (the next snapshot sets the same figures anyway). Without a snapshot there is
    nothing to adjust: the counters stay unreported until BillReviewCompleted arrives."""
    e = event.payload
    if await counter_repository.adjust_existing(
            uow.session, e.period, e.unit, {"review_suspects_open": -1, "review_suspects_handled": 1},
            counter_repository.REVIEW, event.envelope.time):
        await _rescore_if_scored(uow, e.period, event.envelope.time)

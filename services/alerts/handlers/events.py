"""alerts' event handlers: one function each, (event, uow) -> None; no commit (the dispatcher commits)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.alerts import batch, lifecycle
from services.alerts.adapters import credit_repository
from services.alerts.domain import alerts as domain
from services.alerts.handlers.credit import record_payment
from shared.events.alerts import ArrearsRiskDetected
from shared.events.audit import CalendarYearMissing, ErrorReported, TicketClosed, TicketEscalated
from shared.events.envelope import EventPayload
from shared.events.intake import RecordPayment
from shared.events.scoring import RecoveryWarningIssued, ScoresPublished
from shared.messaging.dispatch import Flush, ReceivedEvent
from shared.uow import UnitOfWork

SYSTEM_UNIT = "M2C"  # alerts about m2c itself, not about an org unit


# --- the signals of an event (pure: also read ahead of a batch, to lock its alerts at once) -----

def error_reported_signals(e: ErrorReported) -> list[domain.AlertSignal]:
    signal = domain.from_error_reported(
        str(e.error_id), e.unit, e.period, e.category, e.nature, str(e.amount), e.level,
    )
    return [signal] if signal is not None else []


def recovery_warning_signals(e: RecoveryWarningIssued) -> list[domain.AlertSignal]:
    return [domain.from_recovery_warning(
        e.unit, e.period, e.light, e.recovery_rate, level=e.level, message=e.message,
        causes=tuple(domain.LightCause(c.measure, c.value, c.green, c.yellow, c.grade) for c in e.causes),
        arrears_progress=e.arrears_progress, thresholds=e.thresholds)]


def ticket_escalated_signals(e: TicketEscalated) -> list[domain.AlertSignal]:
    return [domain.from_ticket_escalated(str(e.ticket_id), e.unit, e.state, e.level)]


def ticket_closed_signals(e: TicketClosed) -> list[domain.AlertSignal]:
    return [domain.from_ticket_closed(str(e.ticket_id), e.unit)]


def scores_published_signals(e: ScoresPublished) -> list[domain.AlertSignal]:
    signals = (domain.from_station_score(u.unit, e.period, u.score, e.ticket_threshold, status=u.status)
               for u in e.units if u.level == "station")
    return [s for s in signals if s is not None]


async def _on_signals(signals: list[domain.AlertSignal], event: ReceivedEvent[EventPayload], uow: UnitOfWork) -> None:
    for signal in signals:
        await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_error_reported(event: ReceivedEvent[ErrorReported], uow: UnitOfWork) -> None:
    await _on_signals(error_reported_signals(event.payload), event, uow)


async def on_recovery_warning(event: ReceivedEvent[RecoveryWarningIssued], uow: UnitOfWork) -> None:
    await _on_signals(recovery_warning_signals(event.payload), event, uow)


async def on_ticket_escalated(event: ReceivedEvent[TicketEscalated], uow: UnitOfWork) -> None:
    await _on_signals(ticket_escalated_signals(event.payload), event, uow)


async def on_ticket_closed(event: ReceivedEvent[TicketClosed], uow: UnitOfWork) -> None:
    await _on_signals(ticket_closed_signals(event.payload), event, uow)


async def on_scores_published(event: ReceivedEvent[ScoresPublished], uow: UnitOfWork) -> None:
    await _on_signals(scores_published_signals(event.payload), event, uow)


async def on_arrears_risk(event: ReceivedEvent[ArrearsRiskDetected], uow: UnitOfWork) -> None:
    e = event.payload
    customer = await credit_repository.customer(uow.session, e.customer_no)  # is it a large customer?
    signal = domain.from_arrears_risk(e.customer_no, e.unit, e.grade, str(e.arrears), e.measures,
                                      months_overdue=e.months_overdue,
                                      large=bool(customer["large"]) if customer else None)
    await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_calendar_year_missing(event: ReceivedEvent[CalendarYearMissing], uow: UnitOfWork) -> None:
    """Next year's working-day calendar is not loaded: a warning for ops, one alert per year
    (fingerprint type + year; audit_link reports it once a day, so the alert is updated daily with
    the number of pending deadlines). System-wide, so its unit is the system's own pseudo-unit
    `M2C`: subscriptions without a unit prefix (or with prefix M2C) receive it. Nothing resolves it
    automatically (no event says a year was loaded): ops acknowledge or resolve it once they have
    loaded the year."""
    e = event.payload
    signal = domain.AlertSignal(
        type="CalendarYearMissing", unit=SYSTEM_UNIT, key=str(e.year), severity="warning",
        summary=(f"{e.year} 年工作日历（节假日安排）尚未导入，{e.pending_deadlines} 张稽核工作传单的期限待定；"
                 f"请通过 PUT /api/v1/calendar/years/{e.year} 或 m2c audit calendar-load 导入"),
        labels={"year": str(e.year), "checked_on": e.checked_on, "pending_deadlines": str(e.pending_deadlines)},
    )
    await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_record_payment(event: ReceivedEvent[RecordPayment], uow: UnitOfWork) -> None:
    e = event.payload
    await record_payment(uow, e, now=event.envelope.time)  # "now" = when the payment was sent


# Events whose alerts are known without reading anything: their fingerprints are locked and their
# alerts read for the whole batch before the handlers run (the others lock theirs one at a time).
# Keyed by model class, so each function gets the payload it was written for.
_SIGNALS_AHEAD: dict[type[EventPayload], Callable[[Any], list[domain.AlertSignal]]] = {
    ErrorReported: error_reported_signals,
    TicketEscalated: ticket_escalated_signals,
    TicketClosed: ticket_closed_signals,
    RecoveryWarningIssued: recovery_warning_signals,
    ScoresPublished: scores_published_signals,
}


async def prepare_batch(events: Sequence[ReceivedEvent[EventPayload]], uow: UnitOfWork) -> Flush:
    """Before a consumed batch's handlers: its alerts locked and read at once; the flush of the
    rows lifecycle holds back until the batch ends (see services/alerts/batch.py)."""
    fingerprints = [s.fingerprint for e in events if (signals := _SIGNALS_AHEAD.get(type(e.payload)))
                    for s in signals(e.payload)]
    store = await batch.begin(uow, fingerprints)
    return store.flush

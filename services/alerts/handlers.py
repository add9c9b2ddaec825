"""alerts' event handlers: one function each, (event, uow) -> None."""

from __future__ import annotations

from services.alerts import credit, lifecycle
from services.alerts.adapters import credit_repository
from services.alerts.domain import alerts as domain
from shared.events.alerts import ArrearsRiskDetected
from shared.events.audit import CalendarYearMissing, ErrorReported, TicketClosed, TicketEscalated
from shared.events.intake import RecordPayment
from shared.events.scoring import RecoveryWarningIssued, ScoresPublished
from shared.messaging.dispatch import ReceivedEvent
from shared.uow import UnitOfWork

SYSTEM_UNIT = "M2C"  # alerts about m2c itself, not about an org unit


async def on_error_reported(event: ReceivedEvent, uow: UnitOfWork) -> None:
    e: ErrorReported = event.payload
    signal = domain.from_error_reported(
        str(e.error_id), e.unit, e.period, e.category, e.nature, str(e.amount), e.level,
    )
    if signal is not None:
        await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_recovery_warning(event: ReceivedEvent, uow: UnitOfWork) -> None:
    e: RecoveryWarningIssued = event.payload
    signal = domain.from_recovery_warning(
        e.unit, e.period, e.light, e.recovery_rate, level=e.level, message=e.message,
        causes=tuple(domain.LightCause(c.measure, c.value, c.green, c.yellow, c.grade) for c in e.causes),
        arrears_progress=e.arrears_progress, thresholds=e.thresholds)
    await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_ticket_escalated(event: ReceivedEvent, uow: UnitOfWork) -> None:
    e: TicketEscalated = event.payload
    signal = domain.from_ticket_escalated(str(e.ticket_id), e.unit, e.state, e.level)
    await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_ticket_closed(event: ReceivedEvent, uow: UnitOfWork) -> None:
    e: TicketClosed = event.payload
    await lifecycle.on_signal(uow, domain.from_ticket_closed(str(e.ticket_id), e.unit),
                              event.envelope.id, event.envelope.time)


async def on_scores_published(event: ReceivedEvent, uow: UnitOfWork) -> None:
    e: ScoresPublished = event.payload
    for u in e.units:
        if u.level != "station":
            continue
        signal = domain.from_station_score(u.unit, e.period, u.score, e.ticket_threshold, status=u.status)
        if signal is not None:
            await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_arrears_risk(event: ReceivedEvent, uow: UnitOfWork) -> None:
    e: ArrearsRiskDetected = event.payload
    customer = await credit_repository.customer(uow.session, e.customer_no)  # is it a large customer?
    signal = domain.from_arrears_risk(e.customer_no, e.unit, e.grade, str(e.arrears), e.measures,
                                      months_overdue=e.months_overdue,
                                      large=bool(customer["large"]) if customer else None)
    await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_calendar_year_missing(event: ReceivedEvent, uow: UnitOfWork) -> None:
    """Next year's working-day calendar is not loaded: a warning for ops, one alert per year
    (fingerprint type + year; audit_link reports it once a day, so the alert is updated daily with
    the number of pending deadlines). System-wide, so its unit is the system's own pseudo-unit
    `M2C`: subscriptions without a unit prefix (or with prefix M2C) receive it. Nothing resolves it
    automatically (no event says a year was loaded): ops acknowledge or resolve it once they have
    loaded the year."""
    e: CalendarYearMissing = event.payload
    signal = domain.AlertSignal(
        type="CalendarYearMissing", unit=SYSTEM_UNIT, key=str(e.year), severity="warning",
        summary=(f"{e.year} 年工作日历（节假日安排）尚未导入，{e.pending_deadlines} 张稽核工作传单的期限待定；"
                 f"请通过 PUT /api/v1/calendar/years/{e.year} 或 m2c audit calendar-load 导入"),
        labels={"year": str(e.year), "checked_on": e.checked_on, "pending_deadlines": str(e.pending_deadlines)},
    )
    await lifecycle.on_signal(uow, signal, event.envelope.id, event.envelope.time)


async def on_record_payment(event: ReceivedEvent, uow: UnitOfWork) -> None:
    e: RecordPayment = event.payload
    await credit.record_payment(uow, e, now=event.envelope.time)  # "now" = when the payment was sent


HANDLERS = {
    "ErrorReported": on_error_reported,
    "TicketEscalated": on_ticket_escalated,
    "TicketClosed": on_ticket_closed,
    "RecoveryWarningIssued": on_recovery_warning,
    "ScoresPublished": on_scores_published,
    "ArrearsRiskDetected": on_arrears_risk,
    "RecordPayment": on_record_payment,
    "CalendarYearMissing": on_calendar_year_missing,
}

"""The registry of event types: which model, topic, producer and schema version each one has."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from shared.events import alerts, audit, intake, review, scoring, topics
from shared.events.envelope import EventPayload

INTAKE_SOURCE = "external"  # intake commands come from enterprise systems, not from an m2c service


@dataclass(frozen=True)
class EventType:
    name: str
    model: type[EventPayload]
    topic: str
    source: str
    version: int = 1


def event_types() -> tuple[EventType, ...]:
    def on(topic: str, source: str, *models: type[EventPayload]) -> list[EventType]:
        return [EventType(m.__name__, m, topic, source) for m in models]

    return tuple(
        on(topics.INTAKE, INTAKE_SOURCE, intake.ReportError, intake.ReportAnomaly, intake.RectifyAnomaly,
           intake.RecordPayment)
        + on(topics.SCORING, "m2c/scoring", scoring.ScoresPublished, scoring.RecoveryWarningIssued)
        + on(topics.AUDIT, "m2c/audit-link", audit.ErrorReported, audit.TicketRaised, audit.TicketTransitioned,
             audit.TicketEscalated, audit.TicketClosed, audit.CalendarYearMissing)
        + on(topics.ALERTS, "m2c/alerts", alerts.AlertRaised, alerts.AlertUpdated, alerts.AlertResolved,
             alerts.ArrearsRiskDetected, alerts.CreditGradeChanged, alerts.AlertGroupNotified)
        + on(topics.REVIEW, "m2c/bill-review", review.BillReviewCompleted, review.ReviewSuspectConfirmed,
             review.ReviewSuspectCleared)
    )


@cache
def by_name() -> dict[str, EventType]:
    return {t.name: t for t in event_types()}


@cache
def by_model() -> dict[type[EventPayload], EventType]:
    return {t.model: t for t in event_types()}

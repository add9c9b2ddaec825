"""Wires alerts: its routes, its consumer group (errors, escalations, closures, warnings, scores, arrears
risks, payments, calendar gaps → alerts; applied a fetched batch at a time) and its delivery worker."""

from __future__ import annotations

from services.alerts import handlers
from services.alerts.config import AlertsSettings
from services.alerts.entrypoints import (
    channels_http,
    credit_http,
    delivery_worker,
    escalation_http,
    http,
    rules_http,
    silences_http,
    subscriptions_http,
)
from shared.events import topics
from shared.events.alerts import ArrearsRiskDetected
from shared.events.audit import CalendarYearMissing, ErrorReported, TicketClosed, TicketEscalated
from shared.events.intake import RecordPayment
from shared.events.scoring import RecoveryWarningIssued, ScoresPublished
from shared.http.app import ServiceParts
from shared.messaging.dispatch import BatchHandlers, route, routes
from shared.runtime import ConsumerSpec

GROUP = "m2c-alerts"
TOPICS = (topics.AUDIT, topics.SCORING, topics.ALERTS, topics.INTAKE)


def build(settings: AlertsSettings | None = None) -> ServiceParts:
    """Everything alerts runs; its settings (M2C_ALERTS_*) are read here, once, unless given."""
    settings = settings if settings is not None else AlertsSettings()
    return ServiceParts(
        name="alerts",
        # rules_http before http: /alerts/severity-rules must not be read as /alerts/{alert_id}
        routers=[rules_http.router, http.router, escalation_http.router, silences_http.router,
                 subscriptions_http.router, credit_http.router,
                 channels_http.router],
        consumers=[ConsumerSpec(GROUP, TOPICS, BatchHandlers(routes(
            route(ErrorReported, handlers.on_error_reported),
            route(TicketEscalated, handlers.on_ticket_escalated),
            route(TicketClosed, handlers.on_ticket_closed),
            route(RecoveryWarningIssued, handlers.on_recovery_warning),
            route(ScoresPublished, handlers.on_scores_published),
            route(ArrearsRiskDetected, handlers.on_arrears_risk),
            route(RecordPayment, handlers.on_record_payment),
            route(CalendarYearMissing, handlers.on_calendar_year_missing),
        ), handlers.prepare_batch))],
        workers=[("alerts-webhook-delivery", delivery_worker.make_worker(settings))],
        state={subscriptions_http.SETTINGS_STATE: settings},
    )

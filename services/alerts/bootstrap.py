"""Wires alerts: its routes, its consumer group and its delivery worker."""

from __future__ import annotations

from services.alerts import delivery, handlers
from services.alerts.config import AlertsSettings
from services.alerts.entrypoints import (
    channels_http,
    credit_http,
    escalation_http,
    http,
    rules_http,
    silences_http,
    subscriptions_http,
)
from shared.events import topics
from shared.http.app import ServiceParts
from shared.runtime import ConsumerSpec


def build(settings: AlertsSettings | None = None) -> ServiceParts:
    """Everything alerts runs; its settings (M2C_ALERTS_*) are read here, once, unless given."""
    settings = settings if settings is not None else AlertsSettings()
    return ServiceParts(
        name="alerts",
        # rules_http before http: /alerts/severity-rules must not be read as /alerts/{alert_id}
        routers=[rules_http.router, http.router, escalation_http.router, silences_http.router,
                 subscriptions_http.router, credit_http.router,
                 channels_http.router],
        consumers=[ConsumerSpec("m2c-alerts", (topics.AUDIT, topics.SCORING, topics.ALERTS, topics.INTAKE),
                                handlers.HANDLERS)],
        workers=[("alerts-webhook-delivery", delivery.make_worker(settings))],
        state={subscriptions_http.SETTINGS_STATE: settings},
    )

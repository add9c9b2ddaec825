"""Wires alerts: its routes and its consumer group."""

from __future__ import annotations

from services.alerts import handlers
from services.alerts.entrypoints.http import router
from shared.events import topics
from shared.http.app import ServiceParts
from shared.runtime import ConsumerSpec


def build() -> ServiceParts:
    return ServiceParts(
        name="alerts",
        routers=[router],
        consumers=[ConsumerSpec("m2c-alerts", (topics.AUDIT,), {"ErrorReported": handlers.on_error_reported})],
    )

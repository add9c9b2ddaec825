"""Wires audit_link: its routes, its consumer group and its SLA scanner."""

from __future__ import annotations

from services.audit_link.entrypoints import calendar_http, http, tickets_http, workers
from services.audit_link.entrypoints.consumers import consumer_specs
from shared.http.app import ServiceParts


def build() -> ServiceParts:
    return ServiceParts(
        name="audit-link",
        routers=[http.router, tickets_http.router, calendar_http.router],
        consumers=consumer_specs(),
        workers=[("audit-link:sla-scanner", workers.sla_scanner)],
    )

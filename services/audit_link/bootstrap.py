"""Wires audit_link: its routes, its consumer group (scores → auto-raise; intake commands → errors and
anomalies; bill review's confirmed suspects → errors) and its SLA scanner."""

from __future__ import annotations

from services.audit_link.entrypoints import calendar_http, http, tickets_http, workers
from services.audit_link.handlers import autoraise, errors, review
from shared.events import topics
from shared.events.intake import RectifyAnomaly, ReportAnomaly, ReportError
from shared.events.review import ReviewSuspectConfirmed
from shared.events.scoring import ScoresPublished
from shared.http.app import ServiceParts
from shared.messaging.dispatch import route, routes
from shared.runtime import ConsumerSpec

GROUP = "m2c-audit-link"


def build() -> ServiceParts:
    return ServiceParts(
        name="audit-link",
        routers=[http.router, tickets_http.router, calendar_http.router],
        consumers=[ConsumerSpec(GROUP, (topics.SCORING, topics.INTAKE, topics.REVIEW), routes(
            route(ScoresPublished, autoraise.on_scores_published),
            route(ReportError, errors.on_report_error),
            route(ReportAnomaly, autoraise.on_report_anomaly),
            route(RectifyAnomaly, autoraise.on_rectify_anomaly),
            route(ReviewSuspectConfirmed, review.on_review_suspect_confirmed),
        ))],
        workers=[("audit-link:sla-scanner", workers.sla_scanner)],
    )

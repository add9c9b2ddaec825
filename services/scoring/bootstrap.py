"""Wires scoring: its settings, its routes, its consumer group (ErrorReported → bills_erroneous; bill
review's events → the `review` counters) and the re-scorer."""

from __future__ import annotations

from services.scoring.config import ScoringSettings
from services.scoring.entrypoints.http_facts import router as facts_router
from services.scoring.entrypoints.http_scores import router as scores_router
from services.scoring.entrypoints.workers import rescorer
from services.scoring.handlers import events
from shared.events import topics
from shared.events.audit import ErrorReported
from shared.events.review import BillReviewCompleted, ReviewSuspectCleared, ReviewSuspectConfirmed
from shared.http.app import ServiceParts
from shared.messaging.dispatch import route, routes
from shared.runtime import ConsumerSpec

GROUP = "m2c-scoring"


def build(settings: ScoringSettings | None = None) -> ServiceParts:
    """Everything scoring runs; its settings (M2C_SCORING_*) are read here, once, unless given."""
    settings = settings if settings is not None else ScoringSettings()
    return ServiceParts(
        name="scoring",
        routers=[facts_router, scores_router],
        consumers=[ConsumerSpec(GROUP, (topics.AUDIT, topics.REVIEW), routes(
            route(ErrorReported, events.on_error_reported),
            route(BillReviewCompleted, events.on_bill_review_completed),
            route(ReviewSuspectConfirmed, events.on_review_suspect_decided),
            route(ReviewSuspectCleared, events.on_review_suspect_decided),
        ))],
        workers=[("scoring:rescorer", rescorer(settings))],
    )

"""Wires scoring: its routes, its consumer group (ErrorReported → bills_erroneous; bill review's events →
the `review` counters) and the re-scorer."""

from __future__ import annotations

from services.scoring import handlers
from services.scoring.entrypoints.http_facts import router as facts_router
from services.scoring.entrypoints.http_scores import router as scores_router
from services.scoring.entrypoints.workers import rescorer
from shared.events import topics
from shared.http.app import ServiceParts
from shared.runtime import ConsumerSpec


def build() -> ServiceParts:
    return ServiceParts(
        name="scoring",
        routers=[facts_router, scores_router],
        consumers=[ConsumerSpec("m2c-scoring", (topics.AUDIT, topics.REVIEW), {
            "ErrorReported": handlers.on_error_reported,
            "BillReviewCompleted": handlers.on_bill_review_completed,
            "ReviewSuspectConfirmed": handlers.on_review_suspect_decided,
            "ReviewSuspectCleared": handlers.on_review_suspect_decided,
        })],
        workers=[("scoring:rescorer", rescorer)],
    )

"""The monthly counters per station (DESIGN §4.2): the facts every indicator is measured on."""

from __future__ import annotations

COUNTERS: tuple[str, ...] = (
    "readings_planned", "readings_done", "uploads_overdue", "one_stop_due", "one_stop_done",
    "bills_issued", "bills_erroneous", "anomalies_overdue", "receivable_rollbacks",
    "recon_due", "recon_done", "writeoffs_next_day",
    # bill review before release (bill_review's BillReviewCompleted, source `review`; docs/scoring.md)
    "bills_reviewed", "review_suspects", "review_suspects_open", "review_suspects_handled",
)
REVIEW_COUNTERS: tuple[str, ...] = ("bills_reviewed", "review_suspects", "review_suspects_open",
                                    "review_suspects_handled")
KNOWN = frozenset(COUNTERS)

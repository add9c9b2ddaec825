"""The monthly counters per station (DESIGN §4.2): the facts every indicator is measured on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def unknown_counter_problems(rows: Sequence[tuple[str, Mapping[str, int]]]) -> list[dict[str, str]]:
    """A reported batch names only known counters; one problem per unknown one, by row."""
    return [{"field": f"rows[{i}].counters.{c}", "message": "未知计数项"}
            for i, (_, cs) in enumerate(rows) for c in cs if c not in KNOWN]


def merged_by_unit(rows: Sequence[tuple[str, Mapping[str, int]]]) -> dict[str, dict[str, int]]:
    """unit → its counters; a unit named in several rows gets them all (a later row wins a counter)."""
    merged: dict[str, dict[str, int]] = {}
    for unit, cs in rows:
        merged.setdefault(unit, {}).update(cs)
    return merged

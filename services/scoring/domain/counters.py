"""The monthly counters per station (DESIGN §4.2): the facts every indicator is measured on."""

from __future__ import annotations

COUNTERS: tuple[str, ...] = (
    "readings_planned", "readings_done", "uploads_overdue", "one_stop_due", "one_stop_done",
    "bills_issued", "bills_erroneous", "anomalies_overdue", "receivable_rollbacks",
    "recon_due", "recon_done", "writeoffs_next_day",
)
KNOWN = frozenset(COUNTERS)

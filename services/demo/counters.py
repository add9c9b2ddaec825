"""A station's monthly counters (DESIGN §4.2) for a health level: good, weak or bad.

No `bills_erroneous`: erroneous bills come from the errors reported (ErrorReported adds its
`bills_affected`), the one source of that count, so nothing is counted twice."""

from __future__ import annotations

import random

from services.demo.profiles import BAD, GOOD


def base_readings(rng: random.Random, area_type: str) -> int:
    """Meter-reading tasks a month: urban stations read more meters."""
    return rng.randint(8000, 14000) if area_type == "urban" else rng.randint(2500, 6000)


def month_counters(rng: random.Random, base: int, level: str) -> dict[str, int]:
    planned = int(base * rng.uniform(0.97, 1.03))
    if level == GOOD:
        done = planned - rng.randint(0, int(planned * 0.0015))
        overdue = int(planned / 10000 * rng.choice((0, 0, 0, 0.8)))
        one_stop_ratio = rng.uniform(0.975, 1.0)
        anomalies, rollbacks = rng.choice((0, 0, 0, 0, 1)), 0
        recon_missed, writeoffs = 0, 0
    elif level == BAD:
        done = planned - int(planned * rng.uniform(0.008, 0.016))
        overdue = int(planned / 10000 * rng.uniform(3, 6))
        one_stop_ratio = rng.uniform(0.90, 0.95)
        anomalies, rollbacks = rng.randint(3, 6), rng.randint(1, 2)
        recon_missed, writeoffs = rng.randint(1, 2), rng.randint(1, 2)
    else:
        done = planned - int(planned * rng.uniform(0.003, 0.006))
        overdue = int(planned / 10000 * rng.uniform(1, 2))
        one_stop_ratio = rng.uniform(0.962, 0.98)
        anomalies, rollbacks = rng.randint(1, 2), rng.randint(0, 1)
        recon_missed, writeoffs = rng.choice((0, 0, 0, 1)), rng.randint(0, 1)
    one_stop_due = int(planned * 0.35)
    recon_due = rng.randint(20, 40)
    return {
        "readings_planned": planned, "readings_done": done, "uploads_overdue": overdue,
        "one_stop_due": one_stop_due, "one_stop_done": int(one_stop_due * one_stop_ratio),
        "bills_issued": done, "anomalies_overdue": anomalies,
        "receivable_rollbacks": rollbacks, "recon_due": recon_due, "recon_done": recon_due - recon_missed,
        "writeoffs_next_day": writeoffs,
    }

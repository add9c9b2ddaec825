"""The month under way (the demo clock's month): its facts only partly in.

Stations read meters on their own 抄表例日 and issue bills a few days later, so by mid-month most
stations have sent the month's counters, some have read but not billed yet, and a few have sent
nothing. Completeness (`GET /api/v1/periods/{p}/completeness`) shows who is missing what; the month
is not scored or published before it closes — the monthly 通报 ranks whole months only.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

BILLED, READ, NOT_YET = "billed", "read", "not_yet"
# Counters a station has once its meters are read (the rest come with billing and reconciliation).
READING_COUNTERS = ("readings_planned", "readings_done", "uploads_overdue", "one_stop_due", "one_stop_done")


def progress(rng: random.Random, stations: Sequence[str], day_of_month: int) -> dict[str, str]:
    """Each station's progress in the month: billed, read or not yet — at least one of each (≥ 3
    stations), more of them billed later in the month."""
    codes = sorted(stations)
    rng.shuffle(codes)
    billed_share = min(0.8, max(0.3, day_of_month / 30))
    not_yet = max(1, round(len(codes) * 0.1))
    read = max(1, round(len(codes) * (1 - billed_share - 0.1)))
    out = {c: NOT_YET for c in codes[:not_yet]} | {c: READ for c in codes[not_yet:not_yet + read]}
    return {c: out.get(c, BILLED) for c in sorted(stations)}


def counters_so_far(month: Mapping[str, Mapping[str, int]], stage: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """The counters sent so far: all of a billed station's, the reading ones of a read station."""
    out: dict[str, dict[str, int]] = {}
    for unit, counters in sorted(month.items()):
        if stage[unit] == BILLED:
            out[unit] = dict(counters)
        elif stage[unit] == READ:
            out[unit] = {k: counters[k] for k in READING_COUNTERS}
    return out

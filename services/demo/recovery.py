"""Recovery facts (应收/实收/陈欠回收) and annual arrears tasks, shaped like a well-run bureau.

The paper's bureau collected 99.99 % of its bills in 2014 (0.02 points above the grid's 先进值), so
almost every station collects ≥ 99.99 % of the month's bills; the city lands at ~99.98 % year to
date. What turns a station yellow or red is mostly the old arrears (陈欠) task running behind plan,
rarely a collection rate that slips: ~80 % green, ~15 % yellow, ~5 % red (at least one of each).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal

from services.demo.org import Station
from services.demo.periods import add_months

GREEN, YELLOW, RED = "green", "yellow", "red"
ON_TIME, SLOW = "on_time", "slow"
ON_PLAN, LAGGING, BEHIND = "on_plan", "lagging", "behind"
# Monthly collected / receivable: 99.986–100 % on time (≥ 99.99 % over the year); a slow station
# 99.75–99.88 % (under the scheme's green line, 99.9 %, above its yellow one, 99.5 %).
COLLECTION_RATES = {ON_TIME: (0.99986, 1.0), SLOW: (0.9975, 0.9988)}
# Arrears recovered in a month / the month's share of the annual task.
ARREARS_PACE = {ON_PLAN: (1.0, 1.08), LAGGING: (0.93, 0.98), BEHIND: (0.78, 0.86)}
# (light, collection, arrears) standings and their shares of the stations.
STANDINGS = ((RED, ON_TIME, BEHIND, 0.05), (YELLOW, SLOW, ON_PLAN, 0.05), (YELLOW, ON_TIME, LAGGING, 0.10))


def yuan(x: float) -> str:
    return str(Decimal(x).quantize(Decimal("0.01")))


def station_standing(rng: random.Random, stations: Sequence[Station]) -> dict[str, tuple[str, str, str]]:
    """Each station's (light, collection, arrears) for the year; at least one red and one yellow."""
    codes = [s.code for s in stations]
    rng.shuffle(codes)
    out: dict[str, tuple[str, str, str]] = {}
    for light, collection, arrears, share in STANDINGS:
        # a yellow from a slow collection only in a bureau large enough to carry it (≥ 20 stations)
        count = max(1 if arrears != ON_PLAN or len(codes) >= 20 else 0, round(len(stations) * share))
        for code in codes[:count]:
            out[code] = (light, collection, arrears)
        codes = codes[count:]
    return {s.code: out.get(s.code, (GREEN, ON_TIME, ON_PLAN)) for s in stations}


def station_lights(rng: random.Random, stations: Sequence[Station]) -> dict[str, str]:
    return {code: light for code, (light, _, _) in station_standing(rng, stations).items()}


def plan(rng: random.Random, stations: Sequence[Station], first: str, last: str) -> tuple[
        dict[int, list[dict]], dict[str, list[dict]]]:
    """(tasks by year, facts by period) for every station from `first` to `last`. Counties and the
    city get none of their own: scoring rolls them up (Σcollected / Σreceivable of their stations)."""
    standing = station_standing(rng, stations)
    monthly = {s.code: rng.uniform(2.5e6, 6e6) if s.area_type == "urban" else rng.uniform(0.6e6, 1.8e6)
               for s in stations}
    carried = {s.code: monthly[s.code] * rng.uniform(0.01, 0.03) for s in stations}
    years = range(int(first[:4]), int(last[:4]) + 1)
    tasks: dict[int, list[dict]] = {}
    for y in years:
        rows = [{"unit": s.code, "arrears_carried_over": yuan(carried[s.code] * (1 + 0.1 * (y - years[0]))),
                 "annual_target": yuan(carried[s.code] * 0.8 * (1 + 0.1 * (y - years[0])))} for s in stations]
        tasks[y] = rows
    facts: dict[str, list[dict]] = {}
    period = first
    while period <= last:
        y = int(period[:4])
        target = {r["unit"]: float(r["annual_target"]) / 12 for r in tasks[y]}
        rows = []
        for s in stations:
            _, collection, arrears = standing[s.code]
            lo, hi = COLLECTION_RATES[collection]
            alo, ahi = ARREARS_PACE[arrears]
            receivable = monthly[s.code] * rng.uniform(0.85, 1.2)
            rows.append({"unit": s.code, "receivable": yuan(receivable),
                         "collected": yuan(receivable * rng.uniform(lo, hi)),
                         "arrears_recovered": yuan(target[s.code] * rng.uniform(alo, ahi))})
        facts[period] = rows
        period = add_months(period, 1)
    return tasks, facts

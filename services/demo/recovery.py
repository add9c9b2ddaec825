"""Recovery facts (应收/实收/陈欠回收) and annual arrears tasks, with green, yellow and red units."""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal

from services.demo.org import Station
from services.demo.periods import add_months

GREEN, YELLOW, RED = "green", "yellow", "red"
# (collected / receivable, arrears recovered / monthly target) ranges per light
_RATES = {GREEN: ((0.9993, 1.0), (1.0, 1.12)), YELLOW: ((0.9955, 0.9985), (0.93, 0.98)),
          RED: ((0.990, 0.9945), (0.70, 0.85))}


def yuan(x: float) -> str:
    return str(Decimal(x).quantize(Decimal("0.01")))


def station_lights(rng: random.Random, stations: Sequence[Station]) -> dict[str, str]:
    """Each station's recovery standing: ~75 % green, ~15 % yellow, ~10 % red (at least one of each)."""
    codes = [s.code for s in stations]
    rng.shuffle(codes)
    red, yellow = max(1, round(len(codes) * 0.10)), max(1, round(len(codes) * 0.15))
    out = {c: RED for c in codes[:red]} | {c: YELLOW for c in codes[red:red + yellow]}
    return {s.code: out.get(s.code, GREEN) for s in stations}


def plan(rng: random.Random, stations: Sequence[Station], first: str, last: str) -> tuple[
        dict[int, list[dict]], dict[str, list[dict]]]:
    """(tasks by year, facts by period) for every station and county from `first` to `last`."""
    lights = station_lights(rng, stations)
    monthly = {s.code: rng.uniform(2.5e6, 6e6) if s.area_type == "urban" else rng.uniform(0.6e6, 1.8e6)
               for s in stations}
    carried = {s.code: monthly[s.code] * rng.uniform(0.01, 0.03) for s in stations}
    years = range(int(first[:4]), int(last[:4]) + 1)
    tasks: dict[int, list[dict]] = {}
    for y in years:
        rows = [{"unit": s.code, "arrears_carried_over": yuan(carried[s.code] * (1 + 0.1 * (y - years[0]))),
                 "annual_target": yuan(carried[s.code] * 0.8 * (1 + 0.1 * (y - years[0])))} for s in stations]
        tasks[y] = rows + _sum_by_county(stations, rows, ("arrears_carried_over", "annual_target"))
    facts: dict[str, list[dict]] = {}
    period = first
    while period <= last:
        y = int(period[:4])
        target = {r["unit"]: float(r["annual_target"]) / 12 for r in tasks[y]}
        rows = []
        for s in stations:
            (lo, hi), (alo, ahi) = _RATES[lights[s.code]]
            receivable = monthly[s.code] * rng.uniform(0.85, 1.2)
            rows.append({"unit": s.code, "receivable": yuan(receivable),
                         "collected": yuan(receivable * rng.uniform(lo, hi)),
                         "arrears_recovered": yuan(target[s.code] * rng.uniform(alo, ahi))})
        facts[period] = rows + _sum_by_county(stations, rows, ("receivable", "collected", "arrears_recovered"))
        period = add_months(period, 1)
    return tasks, facts


def _sum_by_county(stations: Sequence[Station], rows: list[dict], fields: tuple[str, ...]) -> list[dict]:
    county_of = {s.code: s.county for s in stations}
    sums: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        acc = sums.setdefault(county_of[r["unit"]], {f: Decimal(0) for f in fields})
        for f in fields:
            acc[f] += Decimal(r[f])
    return [{"unit": c, **{f: str(v) for f, v in acc.items()}} for c, acc in sums.items()]

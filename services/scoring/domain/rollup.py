"""Recovery figures up the org tree (DESIGN §4.10): a county's and the city's facts and arrears task
are their own when given at that level, else the sum of their children's — so their rates are
Σcollected / Σreceivable of the stations, never a mean of rates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from services.scoring.domain.org_units import OrgUnit
from services.scoring.domain.recovery import (
    ArrearsTask,
    LightResult,
    MonthFacts,
    light_for,
    own_or_rolled_up,
    sum_tasks,
)

CHILDREN_NAME = {"county": "stations", "city": "counties"}


def unit_lights(units: Mapping[str, OrgUnit], facts: Mapping[str, list[MonthFacts]],
                tasks: Mapping[str, ArrearsTask], period: str,
                thresholds: Mapping[str, Mapping[str, float]]) -> dict[str, LightResult]:
    """unit → its light for `period`, for every org unit that has recovery facts for the month
    (its own or, for a county or the city, any of its children's)."""
    year = int(period[:4])
    children: dict[str, list[str]] = defaultdict(list)
    for u in units.values():
        if u.parent is not None and u.parent in units:
            children[u.parent].append(u.code)
    inputs: dict[str, tuple[list[MonthFacts], ArrearsTask | None, str]] = {}

    def resolve(code: str) -> tuple[list[MonthFacts], ArrearsTask | None, str]:
        if code in inputs:
            return inputs[code]
        own = facts.get(code, [])
        kids = [resolve(k) for k in sorted(children.get(code, []))]
        if not kids:
            result = (list(own), tasks.get(code), "own")
        else:
            months = own_or_rolled_up(own, [k[0] for k in kids])
            task = tasks.get(code) or sum_tasks(year, [k[1] for k in kids if k[1] is not None])
            basis = "own" if any(m.period == period for m in own) else CHILDREN_NAME.get(units[code].level, "children")
            result = (months, task, basis)
        inputs[code] = result
        return result

    out: dict[str, LightResult] = {}
    for code in sorted(units):
        months, task, basis = resolve(code)
        light = light_for(code, period, months, task, thresholds, units[code].level, basis)
        if light is not None:
            out[code] = light
    return out

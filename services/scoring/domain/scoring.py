"""Scores: indicator → stage → station (weighted), county = plain mean of stations, rankings.

A ratio whose denominator is 0 is "no data": the indicator is left out and its stage re-normalises
the remaining weights (a stage with no data at all is left out of the station the same way).
A station with no facts at all for the period has no score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.scoring.domain import rules
from services.scoring.domain.scheme import Indicator, Scheme

PLACES = 4


def r4(x: float | None) -> float | None:
    return None if x is None else round(x, PLACES)


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    name: str
    stage: str
    kind: str
    weight: float
    inputs: dict[str, float]
    value: float | None
    rule: Mapping[str, Any]
    score: float | None
    effective_weight: float = 0.0  # stage weight × re-normalised indicator weight within the station
    points_lost: float = 0.0

    @property
    def no_data(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class StageResult:
    code: str
    name: str
    weight: float
    score: float | None
    renormalised: bool


@dataclass(frozen=True)
class StationResult:
    unit: str
    score: float | None
    stages: tuple[StageResult, ...]
    indicators: tuple[IndicatorResult, ...]
    no_data: tuple[str, ...] = field(default=())

    def weakest(self, n: int = 3) -> list[IndicatorResult]:
        lost = [i for i in self.indicators if i.points_lost > 0]
        return sorted(lost, key=lambda i: (-i.points_lost, i.code))[:n]

    def red_indicators(self, red_below: float) -> list[str]:
        return [i.code for i in self.indicators if i.score is not None and i.score < red_below]


def measure(ind: Indicator, counters: Mapping[str, float]) -> tuple[float | None, dict[str, float]]:
    """The indicator's value (None = no data) and the counters it read."""
    m = ind.measure
    names = [m["numerator"], m["denominator"]] if m["type"] == "ratio" else [m["counter"]]
    per = m.get("per")
    if per:
        names.append(per["counter"])
    inputs = {n: float(counters.get(n, 0)) for n in names}
    if m["type"] == "ratio":
        den = inputs[m["denominator"]]
        value = None if den == 0 else inputs[m["numerator"]] / den
    else:
        value = inputs[m["counter"]]
    if per and value is not None:
        base = inputs[per["counter"]]
        value = None if base == 0 else value * float(per.get("unit", 1)) / base
    return value, inputs


def _normalised(items: Sequence[tuple[float, float | None]]) -> tuple[float | None, bool, list[float]]:
    """Weighted mean over items with a score, the renormalised flag, and each item's share."""
    present = sum(w for w, s in items if s is not None)
    if present == 0:
        return None, bool(items), [0.0] * len(items)
    shares = [(w / present if s is not None else 0.0) for w, s in items]
    total = sum(share * s for share, (_, s) in zip(shares, items, strict=True) if s is not None)
    return total, any(s is None for _, s in items), shares


def score_station(unit: str, scheme: Scheme, counters: Mapping[str, float] | None) -> StationResult:
    if not counters:
        return StationResult(unit, None, tuple(StageResult(s.code, s.name, s.weight, None, False)
                                               for s in scheme.stages), (), ("all",))
    per_stage: list[tuple[list[tuple[Indicator, float | None, dict[str, float], float | None]], float | None,
                          bool, list[float]]] = []
    for stage in scheme.stages:
        rows = []
        for ind in stage.indicators:
            value, inputs = measure(ind, counters)
            rows.append((ind, value, inputs, None if value is None else rules.apply(ind.rule, value)))
        stage_score, renorm, shares = _normalised([(ind.weight, s) for ind, _, _, s in rows])
        per_stage.append((rows, stage_score, renorm, shares))
    total, _, stage_shares = _normalised([(st.weight, ps[1]) for st, ps in zip(scheme.stages, per_stage,
                                                                                strict=True)])
    stages, indicators = [], []
    for stage, (rows, stage_score, renorm, shares), stage_share in zip(scheme.stages, per_stage, stage_shares,
                                                                       strict=True):
        stages.append(StageResult(stage.code, stage.name, stage.weight, r4(stage_score), renorm))
        for (ind, value, inputs, s), share in zip(rows, shares, strict=True):
            eff = stage_share * share
            indicators.append(IndicatorResult(
                ind.code, ind.name, stage.code, ind.kind, ind.weight, inputs, value, ind.rule, r4(s),
                round(eff, 12), r4(eff * (100.0 - s)) if s is not None else 0.0))
    no_data = tuple(i.code for i in indicators if i.no_data)
    return StationResult(unit, r4(total), tuple(stages), tuple(indicators), no_data)


def county_score(station_scores: Sequence[float | None]) -> float | None:
    """The plain mean of the county's stations that have a score (各供电所得分的平均值)."""
    scored = [s for s in station_scores if s is not None]
    return r4(sum(scored) / len(scored)) if scored else None


def rank(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Competition ranking (1, 2, 2, 4) by score descending; units without a score are unranked."""
    ordered = sorted(((s, u) for u, s in scores.items() if s is not None), key=lambda t: (-t[0], t[1]))
    out: dict[str, int | None] = {u: None for u in scores}
    previous, position = None, 0
    for i, (s, u) in enumerate(ordered, start=1):
        if s != previous:
            position, previous = i, s
        out[u] = position
    return out

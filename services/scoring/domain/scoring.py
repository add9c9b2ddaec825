"""Scores: indicator → stage → station (weighted), county = plain mean of stations, rankings.

Counters are the ones reported for the station (a counter absent from the mapping was never
reported — not the same as reported as 0). A ratio whose denominator was not reported or is 0 is
"no data"; so is a count whose base (any of its `base` counters, or the counter itself when the
measure declares no base) was not reported. No-data indicators are left out and their stage
re-normalises the remaining weights (a stage with no data at all is left out of the station the
same way). A station with no facts at all for the period has no score. A station lacking one of
the scheme's `required_facts` is `incomplete`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    inputs: dict[str, float | None]
    value: float | None
    rule: Mapping[str, Any]
    score: float | None
    effective_weight: float = 0.0  # stage weight × re-normalised indicator weight within the station
    points_lost: float = 0.0
    read_as_zero: tuple[str, ...] = ()  # counters not reported, read as 0 because the base was reported

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
    missing: tuple[str, ...] = field(default=())  # required facts never reported

    @property
    def status(self) -> str:
        return "incomplete" if self.missing else "complete"

    def weakest(self, n: int = 3) -> list[IndicatorResult]:
        lost = [i for i in self.indicators if i.points_lost > 0]
        return sorted(lost, key=lambda i: (-i.points_lost, i.code))[:n]

    def red_indicators(self, red_below: float) -> list[str]:
        return [i.code for i in self.indicators if i.score is not None and i.score < red_below]


def measure(ind: Indicator, counters: Mapping[str, float]
            ) -> tuple[float | None, dict[str, float | None], tuple[str, ...]]:
    """The indicator's value (None = no data), the counters it read (None: not reported) and
    those read as zero: counted incidents (a ratio's numerator, a count) the station did not send
    while the base of the measure shows its month was reported."""
    m = ind.measure
    names = [m["numerator"], m["denominator"]] if m["type"] == "ratio" else [m["counter"]]
    per = m.get("per")
    if per:
        names.append(per["counter"])
    inputs = {n: (float(counters[n]) if n in counters else None) for n in names}  # None: not reported
    counted = m["numerator"] if m["type"] == "ratio" else m["counter"]
    if m["type"] == "ratio":
        reported_base = m["denominator"] in counters
    else:
        base = m.get("base") or ([per["counter"]] if per else None)  # a per-N count: its N is the base
        reported_base = any(b in counters for b in base) if base else counted in counters
    if per and per["counter"] not in counters:
        reported_base = False
    absent = (counted,) if reported_base and counted not in counters else ()
    if not reported_base:
        return None, inputs, ()
    read = {n: float(counters.get(n, 0)) for n in names}
    if m["type"] == "ratio":
        den = read[m["denominator"]]
        value = None if den == 0 else read[m["numerator"]] / den
    else:
        value = read[m["counter"]]
    if per and value is not None:
        base_value = read[per["counter"]]
        value = None if base_value == 0 else value * float(per.get("unit", 1)) / base_value
    return value, inputs, absent


def _normalised(items: Sequence[tuple[float, float | None]]) -> tuple[float | None, bool, list[float]]:
    """Weighted mean over items with a score, the renormalised flag, and each item's share."""
    present = sum(w for w, s in items if s is not None)
    if present == 0:
        return None, bool(items), [0.0] * len(items)
    shares = [(w / present if s is not None else 0.0) for w, s in items]
    total = sum(share * s for share, (_, s) in zip(shares, items, strict=True) if s is not None)
    return total, any(s is None for _, s in items), shares


def missing_facts(scheme: Scheme, counters: Mapping[str, float] | None) -> tuple[str, ...]:
    """The scheme's required facts the station never reported for the period."""
    return tuple(c for c in scheme.required_facts if c not in (counters or {}))


def score_station(unit: str, scheme: Scheme, counters: Mapping[str, float] | None) -> StationResult:
    missing = missing_facts(scheme, counters)
    if not counters:
        return StationResult(unit, None, tuple(StageResult(s.code, s.name, s.weight, None, False)
                                               for s in scheme.stages), (), ("all",), missing)
    per_stage: list[tuple[list[tuple[Indicator, float | None, dict[str, float | None], float | None, tuple[str, ...]]],
                          float | None, bool, list[float]]] = []
    for stage in scheme.stages:
        rows = []
        for ind in stage.indicators:
            value, inputs, absent = measure(ind, counters)
            rows.append((ind, value, inputs, None if value is None else rules.apply(ind.rule, value), absent))
        stage_score, renorm, shares = _normalised([(ind.weight, s) for ind, _, _, s, _ in rows])
        per_stage.append((rows, stage_score, renorm, shares))
    total, _, stage_shares = _normalised([(st.weight, ps[1]) for st, ps in zip(scheme.stages, per_stage,
                                                                                strict=True)])
    stages, indicators = [], []
    for stage, (rows, stage_score, renorm, shares), stage_share in zip(scheme.stages, per_stage, stage_shares,
                                                                       strict=True):
        stages.append(StageResult(stage.code, stage.name, stage.weight, r4(stage_score), renorm))
        for (ind, value, inputs, s, absent), share in zip(rows, shares, strict=True):
            eff = stage_share * share
            indicators.append(IndicatorResult(
                ind.code, ind.name, stage.code, ind.kind, ind.weight, inputs, value, ind.rule, r4(s),
                round(eff, 12), round(eff * (100.0 - s), PLACES) if s is not None else 0.0, absent))
    no_data = tuple(i.code for i in indicators if i.no_data)
    return StationResult(unit, r4(total), tuple(stages), tuple(indicators), no_data, missing)


def county_score(station_scores: Sequence[float | None]) -> float | None:
    """The plain mean of the scores given (各供电所得分的平均值; the city: of its counties'); None
    when none has a score."""
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


def incomplete_stations(scheme: Scheme, stations: Iterable[str],
                        counters: Mapping[str, Mapping[str, float]]) -> list[dict[str, Any]]:
    """[{"unit", "missing"}] for each station lacking a required fact (scoring them needs a choice)."""
    return [{"unit": code, "missing": list(m)} for code in stations if (m := missing_facts(scheme, counters.get(code)))]

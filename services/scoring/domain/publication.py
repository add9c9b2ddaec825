"""Turns one scoring run's results into the rows stored and the units published (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from services.scoring.domain.org_units import OrgUnit
from services.scoring.domain.recovery import LightResult
from services.scoring.domain.scheme import Scheme
from services.scoring.domain.scoring import IndicatorResult, StationResult, county_score, r4, rank, score_station


def _indicator(i: IndicatorResult) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "stage": i.stage, "kind": i.kind, "weight": i.weight,
            "inputs": i.inputs, "value": i.value, "rule": dict(i.rule), "score": i.score,
            "effective_weight": i.effective_weight, "points_lost": i.points_lost, "no_data": i.no_data}


def light_metrics(light: LightResult) -> dict[str, Any]:
    return {k: v for k, v in asdict(light).items() if k not in ("unit", "period")}


def score_units(scheme: Scheme, units: Mapping[str, OrgUnit], counters: Mapping[str, Mapping[str, float]],
                lights: Mapping[str, LightResult]) -> list[dict[str, Any]]:
    """One row per station and county: score, rank, light and the explanation (detail)."""
    stations = [u for u in units.values() if u.level == "station"]
    results: dict[str, StationResult] = {s.code: score_station(s.code, scheme, counters.get(s.code))
                                         for s in stations}
    station_rank = rank({code: r.score for code, r in results.items()})
    rows: list[dict[str, Any]] = []
    for s in stations:
        r = results[s.code]
        light = lights.get(s.code)
        rows.append({
            "unit": s.code, "level": "station", "parent": s.parent, "score": r.score, "rank": station_rank[s.code],
            "light": light.light if light else None,
            "detail": {
                "name": s.name, "area_type": s.area_type, "no_data": list(r.no_data),
                "stages": [{"code": st.code, "name": st.name, "weight": st.weight, "score": st.score,
                            "renormalised": st.renormalised} for st in r.stages],
                "indicators": [_indicator(i) for i in r.indicators],
                "weakest": [i.code for i in r.weakest()],
                "red_indicators": r.red_indicators(scheme.red_below),
                "recovery": light_metrics(light) if light else None,
            },
        })
    counties = [u for u in units.values() if u.level == "county"]
    by_parent: dict[str | None, list[StationResult]] = {}
    for s in stations:
        by_parent.setdefault(s.parent, []).append(results[s.code])
    county_rows = []
    for c in counties:
        mine = by_parent.get(c.code, [])
        stage_scores = []
        for i, stage in enumerate(scheme.stages):
            stage_scores.append({"code": stage.code, "name": stage.name, "weight": stage.weight,
                                 "score": county_score([m.stages[i].score for m in mine])})
        light = lights.get(c.code)
        county_rows.append({
            "unit": c.code, "level": "county", "parent": c.parent,
            "score": county_score([m.score for m in mine]), "light": light.light if light else None,
            "detail": {"name": c.name, "area_type": c.area_type, "stages": stage_scores,
                       "stations": [{"unit": m.unit, "score": m.score} for m in mine],
                       "method": "plain mean of the county's scored stations",
                       "recovery": light_metrics(light) if light else None},
        })
    county_rank = rank({r["unit"]: r["score"] for r in county_rows})
    for row in county_rows:
        row["rank"] = county_rank[row["unit"]]
    return rows + county_rows


def stage_summary(row: Mapping[str, Any]) -> dict[str, float | None]:
    return {s["code"]: r4(s["score"]) for s in row["detail"]["stages"]}


def published_units(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"unit": r["unit"], "level": r["level"], "parent": r["parent"], "score": r["score"], "rank": r["rank"],
             "stages": stage_summary(r), "red_indicators": r["detail"].get("red_indicators", []),
             "light": r["light"]} for r in rows]

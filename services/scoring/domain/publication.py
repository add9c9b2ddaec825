"""Turns one scoring run's results into the rows stored and the units published (pure)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from services.scoring.domain.org_units import OrgUnit
from services.scoring.domain.recovery import LightResult
from services.scoring.domain.scheme import Scheme
from services.scoring.domain.scoring import IndicatorResult, StationResult, county_score, r4, rank, score_station


@dataclass(slots=True)
class ScoredUnit:
    """One unit's row of a scoring run (a station, a county or the city): its score, rank within its
    level, light and the explanation (`detail`, stored as JSON); what is stored and what is published."""

    unit: str
    level: str
    parent: str | None
    score: float | None
    light: str | None
    detail: dict[str, Any]
    rank: int | None = None  # set once the level is ranked

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ScoredUnit:
        """From a stored score row (the table has the period and revision besides)."""
        return cls(record["unit"], record["level"], record["parent"], record["score"], record["light"],
                   record["detail"], record["rank"])

    def record(self) -> dict[str, Any]:
        """The columns stored (without the period and revision)."""
        return {"unit": self.unit, "level": self.level, "parent": self.parent, "score": self.score,
                "rank": self.rank, "light": self.light, "detail": self.detail}

    @property
    def status(self) -> str:
        return str(self.detail.get("status", "complete"))


def _indicator(i: IndicatorResult) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "stage": i.stage, "kind": i.kind, "weight": i.weight,
            "inputs": i.inputs, "value": i.value, "rule": dict(i.rule), "score": i.score,
            "effective_weight": i.effective_weight, "points_lost": i.points_lost, "no_data": i.no_data,
            "read_as_zero": list(i.read_as_zero)}


def light_metrics(light: LightResult) -> dict[str, Any]:
    """The light's figures as stored (JSON types), compared to decide whether to warn again."""
    metrics: dict[str, Any] = json.loads(json.dumps({k: v for k, v in asdict(light).items()
                                                     if k not in ("unit", "period")}))
    return metrics


def _counts(scheme: Scheme, r: StationResult) -> bool:
    """Whether a station is ranked and averaged into its county: complete ones always; incomplete
    ones with a score only when the scheme says `incomplete_stations: include`."""
    return r.score is not None and (r.status == "complete" or scheme.incomplete_stations == "include")


def _mean_stages(scheme: Scheme, stage_lists: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    return [{"code": stage.code, "name": stage.name, "weight": stage.weight,
             "score": county_score([stages[i]["score"] for stages in stage_lists])}
            for i, stage in enumerate(scheme.stages)]


def _light(lights: Mapping[str, LightResult], code: str) -> tuple[str | None, dict[str, Any] | None]:
    light = lights.get(code)
    return (light.light, light_metrics(light)) if light else (None, None)


def score_units(scheme: Scheme, units: Mapping[str, OrgUnit], counters: Mapping[str, Mapping[str, float]],
                lights: Mapping[str, LightResult]) -> list[ScoredUnit]:
    """One row per station, county and city: score, rank within its level, status and what is
    missing, light and the explanation (detail)."""
    stations = [u for u in units.values() if u.level == "station"]
    results: dict[str, StationResult] = {s.code: score_station(s.code, scheme, counters.get(s.code))
                                         for s in stations}
    station_rank = rank({code: r.score if _counts(scheme, r) else None for code, r in results.items()})
    rows: list[ScoredUnit] = []
    for s in stations:
        r = results[s.code]
        light, recovery = _light(lights, s.code)
        rows.append(ScoredUnit(
            s.code, "station", s.parent, r.score, light, rank=station_rank[s.code],
            detail={
                "name": s.name, "area_type": s.area_type, "no_data": list(r.no_data),
                "status": r.status, "missing": list(r.missing),
                "stages": [{"code": st.code, "name": st.name, "weight": st.weight, "score": st.score,
                            "renormalised": st.renormalised} for st in r.stages],
                "indicators": [_indicator(i) for i in r.indicators],
                "weakest": [i.code for i in r.weakest()],
                "red_indicators": r.red_indicators(scheme.red_below),
                "recovery": recovery,
            },
        ))
    by_parent: dict[str | None, list[StationResult]] = defaultdict(list)
    for s in stations:
        by_parent[s.parent].append(results[s.code])
    included = "含数据不全的供电所（方案：incomplete_stations include）" \
        if scheme.incomplete_stations == "include" else "不含数据不全的供电所"
    county_rows: list[ScoredUnit] = []
    for c in (u for u in units.values() if u.level == "county"):
        mine = by_parent.get(c.code, [])
        averaged = [m for m in mine if _counts(scheme, m)]
        incomplete = [m.unit for m in mine if m.status == "incomplete"]
        light, recovery = _light(lights, c.code)
        county_rows.append(ScoredUnit(
            c.code, "county", c.parent, county_score([m.score for m in averaged]), light,
            detail={"name": c.name, "area_type": c.area_type,
                       "status": "incomplete" if incomplete else "complete", "missing": incomplete,
                       "stages": _mean_stages(scheme, [[{"score": st.score} for st in m.stages] for m in averaged]),
                       "stations": [{"unit": m.unit, "score": m.score, "status": m.status,
                                     "averaged": _counts(scheme, m)} for m in mine],
                       "method": f"本县区局已评分供电所得分的简单平均，{included}",
                       "recovery": recovery},
        ))
    _rank_rows(county_rows)
    city_rows: list[ScoredUnit] = []
    for city in (u for u in units.values() if u.level == "city"):
        mine_rows = [r for r in county_rows if r.parent == city.code]
        scored = [r for r in mine_rows if r.score is not None]
        incomplete = [r.unit for r in mine_rows if r.detail["status"] == "incomplete"]
        light, recovery = _light(lights, city.code)
        city_rows.append(ScoredUnit(
            city.code, "city", city.parent, county_score([r.score for r in scored]), light,
            detail={"name": city.name, "area_type": city.area_type,
                       "status": "incomplete" if incomplete else "complete", "missing": incomplete,
                       "stages": _mean_stages(scheme, [r.detail["stages"] for r in scored]),
                       "counties": [{"unit": r.unit, "score": r.score, "status": r.detail["status"]}
                                    for r in mine_rows],
                       "method": "所属县区局得分的简单平均",
                       "recovery": recovery},
        ))
    _rank_rows(city_rows)
    return rows + county_rows + city_rows


def _rank_rows(rows: list[ScoredUnit]) -> None:
    ranks = rank({r.unit: r.score for r in rows})
    for row in rows:
        row.rank = ranks[row.unit]


def stage_summary(row: Mapping[str, Any]) -> dict[str, float | None]:
    return {s["code"]: r4(s["score"]) for s in row["detail"]["stages"]}


def status(row: Mapping[str, Any]) -> tuple[str, list[str]]:
    """A stored row's status and what it misses (rows stored before completeness existed: complete)."""
    return row["detail"].get("status", "complete"), row["detail"].get("missing", [])


def published_units(rows: Sequence[ScoredUnit]) -> list[dict[str, Any]]:
    """The units of ScoresPublished (PublishedUnitScore's fields)."""
    return [{"unit": r.unit, "level": r.level, "parent": r.parent, "score": r.score, "rank": r.rank,
             "stages": stage_summary(r.record()), "red_indicators": r.detail.get("red_indicators", []),
             "light": r.light, "status": status(r.record())[0], "missing": status(r.record())[1]} for r in rows]

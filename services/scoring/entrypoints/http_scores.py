"""scoring's results API: scoring a period, scores and their explanation, trend, lights, report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.scoring.adapters import org_repository, score_repository
from services.scoring.domain.publication import status
from services.scoring.domain.recovery import warning_message
from services.scoring.entrypoints.errors import (
    PERIOD_PATTERN,
    PeriodPath,
    PeriodQuery,
)
from services.scoring.entrypoints.report import build_report
from services.scoring.entrypoints.schemas import RevisionsOut
from services.scoring.handlers import queries, scores
from shared.auth import Principal
from shared.http.contract import PROBLEM_RESPONSES
from shared.http.deps import ensure_visible, get_runtime, get_uow, require_roles
from shared.http.idempotency import IdempotentRequest, idempotent, replayed
from shared.http.problems import Problem
from shared.http.read_cache import autocommit, cached_json, statement_connection
from shared.runtime import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["scores"])
SCORERS = require_roles("admin", "system")
READERS = require_roles()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVEL_PATTERN = "^(station|county|city)$"
NO_LIGHT = "none"  # no recovery facts for the month: no light (shown grey), never a colour


def item(row: dict[str, Any]) -> dict[str, Any]:
    d = row["detail"]
    state, missing = status(row)
    return {"unit": row["unit"], "name": d.get("name", row["unit"]), "level": row["level"], "parent": row["parent"],
            "score": row["score"], "rank": row["rank"], "light": row["light"] or NO_LIGHT,
            "status": state, "missing": missing,
            "stages": [{"code": s["code"], "name": s.get("name"), "score": s["score"],
                        **({"renormalised": s["renormalised"]} if "renormalised" in s else {})}
                       for s in d["stages"]],
            "no_data": d.get("no_data", [])}


def _chosen(period: str, revision: int | None, latest: int | None) -> int:
    if latest is None:
        raise Problem(404, "未找到", f"{period} 尚未评分")
    if revision is not None and not 1 <= revision <= latest:
        raise Problem(404, "未找到", f"{period} 只有第 1–{latest} 版评分")
    return revision or latest


async def _revision(uow: UnitOfWork, period: str, revision: int | None) -> int:
    return _chosen(period, revision, await score_repository.latest_revision(uow.session, period))


@router.post("/periods/{period}/score", status_code=201, responses={**replayed(), 409: {
    **PROBLEM_RESPONSES[409], "description": "Stations lack required facts (type urn:m2c:problem:incomplete-period)"}})
async def score_period(period: PeriodPath, request: Request, response: Response,
                       allow_incomplete: bool = Query(False, description="Publish stations that lack required "
                                                      "facts, marked incomplete (unranked, not averaged)"),
                       caller: Principal = Depends(SCORERS), uow: UnitOfWork = Depends(get_uow),
                       runtime: Runtime = Depends(get_runtime), idem: IdempotentRequest = Depends(idempotent)) -> Any:
    """Score the period as a new revision; a repeated Idempotency-Key returns the first run (200)."""
    if (replayed := await idem.replay(uow)) is not None:
        return replayed
    run = await scores.score_period(scores.ScorePeriod(period, caller.subject, runtime.clock.now(),
                                                       allow_incomplete=allow_incomplete), uow)
    incomplete = [r.unit for r in run.rows if r.level == "station" and r.status == "incomplete"]
    return await idem.remember(201, {
        "period": run.period, "revision": run.revision, "scheme": run.scheme,
        "stations": sum(r.level == "station" for r in run.rows),
        "counties": sum(r.level == "county" for r in run.rows),
        "cities": sum(r.level == "city" for r in run.rows),
        "allow_incomplete": run.allow_incomplete, "incomplete_stations": incomplete,
        "warnings_issued": run.warnings})


@router.get("/periods/{period}/completeness")
async def completeness(period: PeriodPath, caller: Principal = Depends(READERS),
                       uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """What each unit lacks before anyone scores: stations' missing required facts; counties and the
    city: their incomplete stations / counties; and whether each will have a recovery light."""
    c = await queries.completeness(period, uow)
    incomplete_of: dict[str, list[str]] = {}
    for code, lacking in c.missing.items():
        parent = c.units[code].parent  # a station's county: the org batch refuses a station without one
        if lacking and parent:
            incomplete_of.setdefault(parent, []).append(code)
    for code in sorted(incomplete_of):
        county = c.units.get(code)
        if county is not None and county.parent:
            incomplete_of.setdefault(county.parent, []).append(code)
    items = []
    for u in sorted(c.units.values(), key=lambda u: ({"city": 0, "county": 1, "station": 2}[u.level], u.code)):
        if not caller.may_see(u.code):
            continue
        missing = list(c.missing[u.code]) if u.level == "station" else sorted(incomplete_of.get(u.code, []))
        items.append({"unit": u.code, "name": u.name, "level": u.level, "parent": u.parent,
                      "status": "incomplete" if missing else "complete", "missing": missing,
                      **({"reported": c.reported[u.code]} if u.level == "station" else {}),
                      "recovery_light": u.code in c.lit})
    stations = [i for i in items if i["level"] == "station"]
    incomplete = sum(i["status"] == "incomplete" for i in stations)
    return {"period": period, "scheme": c.scheme.code, "required_facts": list(c.scheme.required_facts),
            "incomplete_stations": c.scheme.incomplete_stations,
            "counts": {"stations": len(stations), "complete": len(stations) - incomplete, "incomplete": incomplete,
                       "without_light": sum(not i["recovery_light"] for i in items)},
            "items": items}


@router.get("/periods/{period}/revisions")
async def revisions(period: PeriodPath, caller: Principal = Depends(READERS),
                    uow: UnitOfWork = Depends(get_uow)) -> RevisionsOut:
    return RevisionsOut.model_validate({"period": period, "items": await score_repository.runs(uow.session, period)})


@router.get("/scores", response_model=dict[str, Any])
async def list_scores(request: Request, period: PeriodQuery, level: str | None = Query(None, pattern=LEVEL_PATTERN),
                      revision: int | None = Query(None, ge=1), caller: Principal = Depends(READERS),
                      runtime: Runtime = Depends(get_runtime)) -> Response:
    # One statement names the body; a session is opened only to build a body not cached yet.
    async with statement_connection(runtime.engine) as connection:
        runs = {r["revision"]: r for r in await score_repository.run_keys(connection, period)}
    rev = _chosen(period, revision, max(runs, default=None))
    run = runs[rev]

    async def ranking() -> dict[str, Any]:
        async with runtime.uow() as uow:
            await autocommit(uow.session)
            rows = await score_repository.ranking(uow.session, period, rev, level)
        return {"period": period, "revision": rev, "scheme": run["scheme"],
                "items": [item(r) for r in rows if caller.may_see(r["unit"])]}

    # A published revision never changes (its run and scores are written once, together): its ranking
    # is built once per process; the run's creation time tells a re-created database's revision apart.
    # The caller's subtree is part of the key: each scope has a body of its own.
    key = ("scores", period, rev, run["created_at"], level, caller.unit_prefixes())
    return await cached_json(request, key, ranking)


@router.get("/scores/{unit}/trend")
async def trend(unit: str, from_: Annotated[str, Query(alias="from", pattern=PERIOD_PATTERN)],
                to: Annotated[str, Query(pattern=PERIOD_PATTERN)],
                caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    ensure_visible(caller, unit)
    if from_ > to:
        raise Problem(422, "范围无效", errors=[{"field": "from", "message": "不得晚于 to"}])
    return {"unit": unit, "items": await score_repository.trend(uow.session, unit, from_, to)}


@router.get("/scores/{period}/{unit}")
async def explain(period: PeriodPath, unit: str, revision: int | None = Query(None, ge=1),
                  caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    ensure_visible(caller, unit)
    rev = await _revision(uow, period, revision)
    row = await score_repository.get_score(uow.session, period, rev, unit)
    if row is None:
        raise Problem(404, "未找到", f"{unit} 在 {period} 没有得分")
    d = row["detail"]
    out = {**item(row), "period": period, "revision": rev, "recovery": d.get("recovery")}
    if row["level"] == "station":
        by_code = {i["code"]: i for i in d["indicators"]}
        out |= {"indicators": d["indicators"], "weakest": [by_code[c] for c in d["weakest"]],
                "red_indicators": d["red_indicators"],
                "note": "无数据的指标不计入；其所在阶段按其余指标重新归一权重"
                if d["no_data"] else None}
    elif row["level"] == "county":
        out |= {"stations": d["stations"], "method": d["method"]}
    else:
        out |= {"counties": d["counties"], "method": d["method"]}
    return out


@router.get("/recovery/lights")
async def recovery_lights(period: PeriodQuery, caller: Principal = Depends(READERS),
                          uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    scheme = await queries.scheme_in_force(uow, period)
    lights = await queries.lights(uow, period, scheme)
    units = await org_repository.all_units(uow.session)
    return {"period": period, "thresholds": scheme.lights,
            "items": [{"unit": u, **{k: v for k, v in light.__dict__.items() if k != "unit"},
                       "causes": list(light.causes), "message": warning_message(units[u].name, light)}
                      for u, light in lights.items() if caller.may_see(u)]}


@router.get("/scoring/reports/{period}.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "The monthly bulletin (通报)"}})
async def report(period: PeriodPath, caller: Principal = Depends(READERS),
                 uow: UnitOfWork = Depends(get_uow)) -> Response:
    rev = await _revision(uow, period, None)
    rows = [r for r in await score_repository.list_scores(uow.session, period, rev, None) if caller.may_see(r["unit"])]
    content = build_report(period, rev, rows)
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="m2c-{period}.xlsx"'})

"""scoring's reference data and facts API: org units, schemes, counters, raw records, recovery facts."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ValidationError

from services.scoring.adapters import counter_repository, org_repository, scheme_repository
from services.scoring.domain.org_units import OrgUnit
from services.scoring.entrypoints.errors import PeriodPath
from services.scoring.entrypoints.schemas import (
    CountersIn,
    OrgUnitIn,
    OrgUnitOut,
    OrgUnitsIn,
    RecoveryFactsIn,
    RecoveryTasksIn,
    SchemeIn,
)
from services.scoring.handlers import facts
from shared.auth import Principal
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.problems import Problem
from shared.http.uploads import decode_small_body, decoded_body, read_bounded, upload_decoder
from shared.runtime import Runtime
from shared.scope import ensure_rows_writable
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["scoring facts"])
ADMINS = require_roles("admin", "system")
FACT_WRITERS = require_roles("admin", "system", "marketing")
READERS = require_roles()
_MAX_CSV_UNITS = 2 * 1024 * 1024


async def _org_units_from(request: Request) -> tuple[OrgUnitsIn, str | None]:
    if "json" in request.headers.get("content-type", "application/json"):
        try:
            return OrgUnitsIn.model_validate_json(await request.body()), None
        except ValidationError as exc:
            raise _invalid(exc, "") from exc
    raw = await read_bounded(request, _MAX_CSV_UNITS, "org-unit CSV")
    text, encoding = decode_small_body(request, raw)
    units = []
    for i, row in enumerate(csv.DictReader(io.StringIO(text))):
        try:
            units.append(OrgUnitIn.model_validate({k: (v or None) for k, v in row.items() if k}))
        except ValidationError as exc:
            raise _invalid(exc, f"units[{i}].") from exc
    try:
        return OrgUnitsIn(units=units), encoding
    except ValidationError as exc:
        raise _invalid(exc, "") from exc


def _invalid(exc: ValidationError, prefix: str) -> Problem:
    fields = [prefix + ".".join(str(p) for p in e["loc"]) for e in exc.errors()]
    errors = [{"field": f, "message": f"字段 {f} 无效：{e['msg']}"} for f, e in zip(fields, exc.errors(), strict=True)]
    return Problem(422, "请求参数无效", "；".join(e["message"] for e in errors),
                   errors=errors)


@router.post("/org-units", tags=["org units"], openapi_extra={"requestBody": {"content": {
    "application/json": {"schema": OrgUnitsIn.model_json_schema()},
    "text/csv": {"schema": {"type": "string", "description": "code,name,level,parent,area_type"}}}}})
async def upsert_org_units(request: Request, caller: Principal = Depends(ADMINS),
                           uow: UnitOfWork = Depends(get_uow),
                           runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    body, encoding = await _org_units_from(request)
    units = [OrgUnit(u.code, u.name, u.level, u.parent, u.area_type) for u in body.units]
    count = await facts.upsert_org_units(facts.UpsertOrgUnits(units, runtime.clock.now()), uow)
    return {"upserted": count} | ({"encoding": encoding} if encoding else {})


@router.get("/org-units", tags=["org units"], response_model=dict[str, list[OrgUnitOut]])
async def list_org_units(under: str | None = Query(None, max_length=64), caller: Principal = Depends(READERS),
                         uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    units = await org_repository.list_units(uow.session, under)
    return {"items": [u.__dict__ for u in units if caller.may_see(u.code)]}


@router.post("/schemes", tags=["schemes"], status_code=201)
async def add_scheme(body: SchemeIn, response: Response, caller: Principal = Depends(ADMINS),
                     uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    doc = body.model_dump(mode="json", exclude_none=True)
    if not await facts.add_scheme(facts.AddScheme(doc, runtime.clock.now()), uow):
        response.status_code = 200  # the same version posted again
    response.headers["Location"] = f"/api/v1/schemes/{body.code}"
    return doc


@router.get("/schemes", tags=["schemes"])
async def list_schemes(caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return {"items": await scheme_repository.all_documents(uow.session)}


@router.get("/schemes/{code}", tags=["schemes"])
async def get_scheme(code: str, caller: Principal = Depends(READERS),
                     uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    doc = await scheme_repository.get_document(uow.session, code)
    if doc is None:
        raise Problem(404, "未找到", f"没有评分方案 {code}")
    return doc


@router.put("/facts/{period}/counters", tags=["facts"])
async def put_counters(period: PeriodPath, body: CountersIn, response: Response,
                       caller: Principal = Depends(FACT_WRITERS), uow: UnitOfWork = Depends(get_uow),
                       runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    ensure_rows_writable(caller, ((f"body.rows[{i}].unit", r.unit) for i, r in enumerate(body.rows)))
    applied = await facts.put_counters(facts.PutCounters(
        period, body.batch_id, [(r.unit, r.counters) for r in body.rows], runtime.clock.now()), uow)
    return {"batch_id": body.batch_id, "period": period, "rows": len(body.rows), "applied": applied}


@router.get("/facts/{period}/counters", tags=["facts"])
async def get_counters(period: PeriodPath, unit: str | None = Query(None, max_length=64),
                       caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    values = await counter_repository.effective(uow.session, period)
    items = [{"unit": u, "counters": cs} for u, cs in sorted(values.items())
             if caller.may_see(u) and (unit is None or u == unit)]
    return {"period": period, "items": items}


@router.post("/facts/{period}/records/{kind}", tags=["facts"], openapi_extra={"requestBody": {"content": {
    "text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}}}}})
async def import_records(period: PeriodPath, kind: str, request: Request,
                         format: str | None = Query(None, pattern="^(csv|ndjson)$"),
                         caller: Principal = Depends(FACT_WRITERS), uow: UnitOfWork = Depends(get_uow),
                         runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    """Stream a raw file (CSV with a header row, or NDJSON); atomic: one bad row rejects it all."""
    if not caller.sees_all_units:
        raise Problem(403, "无权操作", "原始记录文件可含任何单位：须用不限单位的令牌")
    fmt = format or ("ndjson" if "ndjson" in request.headers.get("content-type", "") else "csv")
    decoder = upload_decoder(request, csv=fmt == "csv")
    result = await facts.import_records(facts.ImportRecords(
        kind, period, fmt, decoded_body(request, decoder), runtime.clock.now()), uow)
    return {"kind": kind, "period": period, "rows": result.rows, "units": result.units, "counters": result.totals,
            "encoding": decoder.encoding}


@router.put("/recovery/{period}/facts", tags=["recovery"])
async def put_recovery_facts(period: PeriodPath, body: RecoveryFactsIn, caller: Principal = Depends(FACT_WRITERS),
                             uow: UnitOfWork = Depends(get_uow),
                             runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    ensure_rows_writable(caller, ((f"body.rows[{i}].unit", r.unit) for i, r in enumerate(body.rows)))
    await facts.put_recovery_facts(facts.PutRecoveryFacts(
        period, [r.model_dump() for r in body.rows], runtime.clock.now()), uow)
    return {"period": period, "rows": len(body.rows)}


@router.put("/recovery/tasks/{year}", tags=["recovery"])
async def put_recovery_tasks(year: int, body: RecoveryTasksIn, caller: Principal = Depends(FACT_WRITERS),
                             uow: UnitOfWork = Depends(get_uow),
                             runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise Problem(422, "年份无效", errors=[{"field": "year", "message": "须在 2000–2100 之间"}])
    ensure_rows_writable(caller, ((f"body.rows[{i}].unit", r.unit) for i, r in enumerate(body.rows)))
    await facts.put_recovery_tasks(facts.PutRecoveryTasks(
        year, [r.model_dump() for r in body.rows], runtime.clock.now()), uow)
    return {"year": year, "rows": len(body.rows)}

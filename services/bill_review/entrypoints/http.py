"""/api/v1/review: import a period's bills, run the rules, decide suspects, readiness, effectiveness.

Roles: importing and running — admin, marketing, system, and a station for its own units (a file
with a row outside the caller's subtree is refused whole, 403 naming the row; a restricted caller's
run screens its own units only). Deciding — admin, audit_center, marketing, station, in scope.
Reading — anyone, in scope. Something outside the caller's scope is 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request

from services.bill_review.adapters import misses_repo, suspects_repo
from services.bill_review.entrypoints.schemas import (
    ClearIn,
    ConfirmIn,
    EffectivenessOut,
    ImportOut,
    PeriodMisses,
    ReadinessCounts,
    ReadinessOut,
    RuleEffect,
    RunOut,
    SuspectOut,
    SuspectPage,
    SuspectState,
    UnitReadiness,
)
from services.bill_review.handlers import decisions, review
from shared.auth import Principal
from shared.events.review import ReviewRule
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.idempotency import IdempotentRequest, idempotent
from shared.http.problems import Problem
from shared.http.uploads import decoded_body, upload_decoder
from shared.patterns import PERIOD_PATTERN
from shared.runtime import Runtime
from shared.uow import UnitOfWork
from shared.validation import Period, UnitCode

router = APIRouter(prefix="/api/v1/review", tags=["review"])
IMPORTERS = require_roles("admin", "marketing", "system", "station")
DECIDERS = require_roles("admin", "audit_center", "marketing", "station")
READERS = require_roles()
_KEY = Header(None, max_length=200, alias="Idempotency-Key")


@router.get("/effectiveness", response_model=EffectivenessOut)
async def effectiveness(
    first: str = Query(pattern=PERIOD_PATTERN, description="First period"),
    last: str | None = Query(None, pattern=PERIOD_PATTERN, description="Default: first"),
    unit: UnitCode | None = Query(None, description="This unit and every unit below it"),
    caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow),
) -> EffectivenessOut:
    """Per rule and month: suspects raised, decided, and the share confirmed (how well a threshold is tuned);
    per month: errors registered later for reviewed bills no rule flagged (misses)."""
    last = last or first
    if last < first:
        raise Problem(422, "请求参数无效", errors=[{"field": "query.last", "message": "早于 first"}])
    rows = await suspects_repo.effectiveness(uow.session, first, last, scope=caller.unit_prefixes(), unit=unit)
    items = []
    for r in rows:
        decided = r["confirmed"] + r["cleared"]
        items.append(RuleEffect(**r, decided=decided,
                                confirmed_share=round(r["confirmed"] / decided, 4) if decided else None))
    periods = await misses_repo.per_period(uow.session, first, last, scope=caller.unit_prefixes(), unit=unit)
    return EffectivenessOut(first=first, last=last, items=items, periods=[PeriodMisses(**p) for p in periods])


@router.get("/suspects/{suspect_id}", response_model=SuspectOut)
async def get_suspect(suspect_id: int, caller: Principal = Depends(READERS),
                      uow: UnitOfWork = Depends(get_uow)) -> SuspectOut:
    suspect = await suspects_repo.get_suspect(uow.session, suspect_id)
    if suspect is None or not caller.may_see(suspect["unit"]):
        raise Problem(404, "未找到", f"没有疑点 {suspect_id}")
    return SuspectOut(**suspect)


@router.post("/suspects/{suspect_id}/confirm", response_model=SuspectOut)
async def confirm(suspect_id: int, body: ConfirmIn, caller: Principal = Depends(DECIDERS),
                  uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime),
                  idem: IdempotentRequest = Depends(idempotent)) -> Any:
    """Confirm a suspect as a billing error: ReviewSuspectConfirmed → audit_link registers the error."""
    if (replayed := await idem.replay(uow)) is not None:
        return replayed
    suspect, _ = await decisions.confirm(
        decisions.Confirm(suspect_id=suspect_id, **body.model_dump()), uow, runtime.clock.now(), caller.subject,
        caller.may_see, None)
    return await idem.remember(200, SuspectOut(**suspect))


@router.post("/suspects/{suspect_id}/clear", response_model=SuspectOut)
async def clear(suspect_id: int, body: ClearIn, caller: Principal = Depends(DECIDERS),
                uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime),
                idem: IdempotentRequest = Depends(idempotent)) -> Any:
    """Clear a suspect (not an error), with the reason."""
    if (replayed := await idem.replay(uow)) is not None:
        return replayed
    suspect, _ = await decisions.clear(decisions.Clear(suspect_id=suspect_id, reason=body.reason), uow,
                                       runtime.clock.now(), caller.subject, caller.may_see, None)
    return await idem.remember(200, SuspectOut(**suspect))


@router.post("/{period}/bills", response_model=ImportOut, openapi_extra={"requestBody": {"content": {
    "text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}}}}})
async def import_bills(period: Period, request: Request, format: str | None = Query(None, pattern="^(csv|ndjson)$"),
                       caller: Principal = Depends(IMPORTERS), uow: UnitOfWork = Depends(get_uow),
                       runtime: Runtime = Depends(get_runtime)) -> ImportOut:
    """Stream a bill file (CSV with a header row in any order, or NDJSON; UTF-8, or GB18030/GBK as Excel saves
    it). Atomic: one bad row → 422 naming its row and column, nothing written. The file replaces the period's
    bills of the units it contains."""
    fmt = format or ("ndjson" if "ndjson" in request.headers.get("content-type", "") else "csv")
    decoder = upload_decoder(request, csv=fmt == "csv")
    result = await review.import_bills(period, fmt, decoded_body(request, decoder), uow, runtime.clock.now(),
                                       caller.subject, caller.may_see)
    return ImportOut(**result, encoding=decoder.encoding)


@router.post("/{period}/run", response_model=RunOut)
async def run(period: Period, caller: Principal = Depends(IMPORTERS), uow: UnitOfWork = Depends(get_uow),
              runtime: Runtime = Depends(get_runtime), idem: IdempotentRequest = Depends(idempotent)) -> Any:
    """Screen the period's bills (a restricted caller's own units) with the rule set in force."""
    if (replayed := await idem.replay(uow)) is not None:
        return replayed
    result, _ = await review.run_review(period, uow, runtime.clock.now(), caller.subject, caller.unit_prefixes(),
                                        caller.may_see, None)
    return await idem.remember(200, RunOut(**result))


@router.get("/{period}/suspects", response_model=SuspectPage)
async def list_suspects(
    period: Period, unit: UnitCode | None = Query(None, description="This unit and every unit below it"),
    rule: ReviewRule | None = None, state: SuspectState | None = None,
    cursor: int | None = Query(None, ge=1, description="next_cursor of the previous page"),
    limit: int = Query(100, ge=1, le=1000),
    caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow),
) -> SuspectPage:
    rows = await suspects_repo.list_suspects(uow.session, period, scope=caller.unit_prefixes(), unit=unit, rule=rule,
                                             state=state, after=cursor, limit=limit + 1)
    page = rows[:limit]
    return SuspectPage(items=[SuspectOut(**r) for r in page],
                       next_cursor=str(page[-1]["id"]) if len(rows) > limit else None)


@router.get("/{period}/readiness", response_model=ReadinessOut)
async def readiness(period: Period, unit: UnitCode | None = Query(None, description="This unit and below"),
                    caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow)) -> ReadinessOut:
    """Per unit with bills: suspects open/confirmed/cleared; ready = reviewed since its last file, nothing open.
    Stations in scope without bills for the period are listed apart (`not_imported`): not ready, and counted."""
    scope = caller.unit_prefixes()
    rows = await suspects_repo.readiness(uow.session, period, scope=scope, unit=unit)
    items = [UnitReadiness(**r, ready=r["reviewed_at"] is not None and r["open"] == 0) for r in rows]
    missing = await suspects_repo.stations_without_bills(uow.session, period, scope=scope, unit=unit)
    counts = ReadinessCounts(stations=len(items) + len(missing), imported=len(items),
                             reviewed=sum(i.reviewed_at is not None for i in items), ready=sum(i.ready for i in items))
    return ReadinessOut(period=period, items=items, not_imported=missing, counts=counts)

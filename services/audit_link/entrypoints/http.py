"""audit_link's HTTP API for billing errors and the accountability policy."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query

from services.audit_link.adapters import policy_repo, repository
from services.audit_link.domain.accountability import AccountabilityPolicy
from services.audit_link.entrypoints.schemas import ErrorActionIn, ErrorIn, ErrorOut, ErrorPage, PolicyIO
from services.audit_link.handlers import errors as handlers
from services.audit_link.handlers import policies
from shared.auth import Principal
from shared.events.audit import AccountabilityLevel, ErrorCategory
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.idempotency import IdempotentRequest, idempotent, replayed
from shared.http.problems import Problem
from shared.runtime import Runtime
from shared.scope import ensure_writable
from shared.uow import UnitOfWork
from shared.validation import Period, UnitCode

router = APIRouter(prefix="/api/v1", tags=["errors"])
_REPORTERS = require_roles("admin", "customer_service", "marketing", "audit_center", "station", "system")
_HANDLERS = require_roles("admin", "customer_service", "marketing", "audit_center")
_READERS = require_roles()
_ADMIN = require_roles("admin")


@router.post("/errors", status_code=201, response_model=ErrorOut, responses=replayed(ErrorOut))
async def report_error(
    body: ErrorIn, caller: Principal = Depends(_REPORTERS), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime), idem: IdempotentRequest = Depends(idempotent),
) -> Any:
    ensure_writable(caller, body.unit)
    if (replayed := await idem.replay(uow)) is not None:
        return replayed
    error, _ = await handlers.report_error(
        handlers.ReportError(**body.model_dump(), reporter=caller.subject, at=runtime.clock.now()), uow)
    return await idem.remember(201, ErrorOut(**asdict(error)), {"Location": f"/api/v1/errors/{error.id}"})


@router.get("/errors", response_model=ErrorPage)
async def list_errors(
    unit: UnitCode | None = Query(None, description="This unit and every unit below it"),
    period: Period | None = None, category: ErrorCategory | None = None,
    level: AccountabilityLevel | None = None,
    state: str | None = Query(None, pattern="^(reported|root_caused|rectified|closed)$"),
    cursor: int | None = Query(None, ge=1, description="next_cursor of the previous page"),
    limit: int = Query(50, ge=1, le=500),
    caller: Principal = Depends(_READERS), uow: UnitOfWork = Depends(get_uow),
) -> ErrorPage:
    rows = await repository.list_errors(
        uow.session, scope=caller.unit_prefixes(), unit=unit, period=period, category=category, level=level,
        state=state, after=cursor, limit=limit + 1,
    )
    page = rows[:limit]
    return ErrorPage(items=[ErrorOut(**asdict(e)) for _, e in page],
                     next_cursor=str(page[-1][0]) if len(rows) > limit else None)


@router.get("/errors/{error_id}", response_model=ErrorOut)
async def get_error(
    error_id: uuid.UUID, caller: Principal = Depends(_READERS), uow: UnitOfWork = Depends(get_uow),
) -> ErrorOut:
    error = await repository.get_error(uow.session, error_id)
    if error is None or not caller.may_see(error.unit):
        raise Problem(404, "未找到", f"没有差错 {error_id}")
    return ErrorOut(**asdict(error))


@router.post("/errors/{error_id}/transitions", response_model=ErrorOut)
async def act_on_error(
    error_id: uuid.UUID, body: ErrorActionIn,
    caller: Principal = Depends(_HANDLERS), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
) -> ErrorOut:
    """reported → root_caused (root_cause) → rectified (prevention_measure) → closed (accountability_decision)."""
    error = await handlers.act_on_error(handlers.ErrorAction(
        error_id=error_id, action=body.action, actor=caller.subject, root_cause=body.root_cause,
        prevention_measure=body.prevention_measure, accountability_decision=body.accountability_decision,
        expected_version=body.version, at=runtime.clock.now(), may_see=caller.may_see,
    ), uow)
    return ErrorOut(**asdict(error))


@router.get("/accountability-policy", response_model=PolicyIO, tags=["errors"])
async def get_policy(caller: Principal = Depends(_READERS), uow: UnitOfWork = Depends(get_uow)) -> PolicyIO:
    return PolicyIO(**policy_repo.to_json(await policy_repo.load(uow.session)))


@router.put("/accountability-policy", response_model=PolicyIO, tags=["errors"])
async def put_policy(
    body: PolicyIO, caller: Principal = Depends(_ADMIN), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
) -> PolicyIO:
    """Change the accountability numbers; errors reported from now on are graded with them."""
    if missing := sorted({"clerical", "negligence", "violation", "fraud"} - set(body.nature_points)):
        raise Problem(422, "请求参数无效", "每种性质都须给出分值",
                      errors=[{"field": f"body.nature_points.{n}", "message": "必填"} for n in missing])
    policy = AccountabilityPolicy(
        amount_bands=tuple((b, p) for b, p in body.amount_bands), amount_top_points=body.amount_top_points,
        nature_points={str(n): p for n, p in body.nature_points.items()},
        repetition_window_months=body.repetition_window_months,
        repetition_points=tuple(body.repetition_points), level_floors=tuple(body.level_floors),
    )
    await policies.put_accountability_policy(policies.PutAccountabilityPolicy(policy, caller.subject,
                                                                              runtime.clock.now()), uow)
    return PolicyIO(**policy_repo.to_json(policy))

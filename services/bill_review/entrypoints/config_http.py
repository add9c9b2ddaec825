"""/api/v1/review/tariffs and /api/v1/review/rules: versioned prices and the versioned rule set."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from services.bill_review.adapters import config_repo
from services.bill_review.domain.rules import BY_CODE
from services.bill_review.entrypoints.schemas import RuleSetOut, RulesIn, TariffOut, TariffsIn, TariffsOut
from services.bill_review.handlers import config as handlers
from shared.auth import Principal
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.reference import current_period
from shared.runtime import Runtime
from shared.uow import UnitOfWork
from shared.validation import Period

router = APIRouter(prefix="/api/v1/review", tags=["review"])
EDITORS = require_roles("admin", "marketing")
READERS = require_roles()
_TITLES = {code: r.title for code, r in BY_CODE.items()}


@router.get("/tariffs", response_model=TariffsOut)
async def get_tariffs(period: Period | None = Query(None, description="Default: this month"),
                      caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow),
                      runtime: Runtime = Depends(get_runtime)) -> TariffsOut:
    period = period or current_period(runtime.clock.now())
    return TariffsOut(period=period, items=[TariffOut(**t) for t in await config_repo.tariffs_in_force(uow.session,
                                                                                                          period)])


@router.put("/tariffs", response_model=TariffsOut)
async def put_tariffs(body: TariffsIn, caller: Principal = Depends(EDITORS), uow: UnitOfWork = Depends(get_uow),
                      runtime: Runtime = Depends(get_runtime)) -> TariffsOut:
    """Prices from `effective_from` on (default this month); codes not named keep their prices."""
    now = runtime.clock.now()
    effective_from = body.effective_from or current_period(now)
    items = await handlers.put_tariffs([i.model_dump() for i in body.items], effective_from, uow, caller.subject,
                                       now)
    return TariffsOut(period=effective_from, items=[TariffOut(**t) for t in items])


async def _rule_set_out(uow: UnitOfWork, row: dict) -> RuleSetOut:
    return RuleSetOut(**row, titles=_TITLES, versions=await config_repo.rule_set_versions(uow.session))


@router.get("/rules", response_model=RuleSetOut)
async def get_rules(period: Period | None = Query(None, description="The version in force for this period "
                                                                    "(default: the latest version)"),
                    caller: Principal = Depends(READERS), uow: UnitOfWork = Depends(get_uow)) -> RuleSetOut:
    row = (await config_repo.rule_set_in_force(uow.session, period) if period
           else await config_repo.latest_rule_set(uow.session))
    if row is None:
        row = await config_repo.latest_rule_set(uow.session)
    return await _rule_set_out(uow, row)


@router.put("/rules", response_model=RuleSetOut)
async def put_rules(body: RulesIn, caller: Principal = Depends(EDITORS), uow: UnitOfWork = Depends(get_uow),
                    runtime: Runtime = Depends(get_runtime)) -> RuleSetOut:
    """A new version: the latest one with the given rules and thresholds changed."""
    now = runtime.clock.now()
    changes = {code: cfg.model_dump(exclude_none=True) for code, cfg in body.rules.items()}
    row = await handlers.put_rules(changes, body.effective_from or current_period(now), uow, caller.subject, now)
    return await _rule_set_out(uow, row)

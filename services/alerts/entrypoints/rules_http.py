"""Severity and inhibition rules: GET|PUT /api/v1/alerts/severity-rules and /inhibition-rules.

A PUT replaces the whole document (version + 1, handlers.rules); new alert changes use it from the next
event on."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.alerts.adapters import rules_repository
from services.alerts.entrypoints.schemas import InhibitionRulesIn, RuleSetOut, SeverityRulesIn
from services.alerts.handlers import rules
from shared.auth import Principal
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.runtime import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/alerts", tags=["alert rules"])
WRITE_ROLES = ("admin",)


@router.get("/severity-rules", response_model=RuleSetOut)
async def get_severity_rules(caller: Principal = Depends(require_roles()),
                             uow: UnitOfWork = Depends(get_uow)) -> RuleSetOut:
    return RuleSetOut(**await rules_repository.get(uow.session, "severity"))


@router.put("/severity-rules", response_model=RuleSetOut)
async def put_severity_rules(body: SeverityRulesIn, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                             uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> RuleSetOut:
    doc = [{"name": r.name, "type": r.type, "conditions": [c.doc() for c in r.conditions], "severity": r.severity}
           for r in body.rules]
    row = await rules.put_severity_rules(rules.PutSeverityRules(doc, caller.subject, runtime.clock.now()), uow)
    return RuleSetOut(**row)


@router.get("/inhibition-rules", response_model=RuleSetOut)
async def get_inhibition_rules(caller: Principal = Depends(require_roles()),
                               uow: UnitOfWork = Depends(get_uow)) -> RuleSetOut:
    return RuleSetOut(**await rules_repository.get(uow.session, "inhibition"))


@router.put("/inhibition-rules", response_model=RuleSetOut)
async def put_inhibition_rules(body: InhibitionRulesIn, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                               uow: UnitOfWork = Depends(get_uow),
                               runtime: Runtime = Depends(get_runtime)) -> RuleSetOut:
    """New rules apply to alert changes from now on (an alert already recorded is re-judged at its next change)."""
    doc = [r.model_dump() for r in body.rules]
    row = await rules.put_inhibition_rules(rules.PutInhibitionRules(doc, caller.subject, runtime.clock.now()), uow)
    return RuleSetOut(**row)

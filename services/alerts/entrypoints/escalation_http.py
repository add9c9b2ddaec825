"""Escalation policies: POST/GET /api/v1/escalation-policies (writes: handlers.escalation)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from services.alerts.adapters import escalation_repository
from services.alerts.entrypoints.schemas import EscalationPolicyIn, EscalationPolicyOut
from services.alerts.handlers import escalation
from shared.auth import Principal
from shared.errors import NotFound
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.runtime import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/escalation-policies", tags=["escalation"])
WRITE_ROLES = ("admin", "system")
READ_ROLES = ("admin", "system", "customer_service", "marketing", "audit_center")


@router.post("", status_code=201, response_model=EscalationPolicyOut)
async def create_policy(body: EscalationPolicyIn, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                        uow: UnitOfWork = Depends(get_uow),
                        runtime: Runtime = Depends(get_runtime)) -> EscalationPolicyOut:
    row = await escalation.create_policy(escalation.CreatePolicy(
        name=body.name, types=body.types, repeat_cap=body.repeat_cap, fallback=body.fallback,
        levels=[escalation.Level(lv.after_working_hours, lv.subscription_ids, lv.org_levels_up) for lv in body.levels],
        by=caller.subject, at=runtime.clock.now()), uow)
    return EscalationPolicyOut(**row)


@router.get("", response_model=list[EscalationPolicyOut])
async def list_policies(caller: Principal = Depends(require_roles(*READ_ROLES)),
                        uow: UnitOfWork = Depends(get_uow)) -> list[EscalationPolicyOut]:
    return [EscalationPolicyOut(**p) for p in await escalation_repository.policies(uow.session)]


@router.get("/{policy_id}", response_model=EscalationPolicyOut)
async def get_policy(policy_id: uuid.UUID, caller: Principal = Depends(require_roles(*READ_ROLES)),
                     uow: UnitOfWork = Depends(get_uow)) -> EscalationPolicyOut:
    p = await escalation_repository.policy(uow.session, policy_id)
    if p is None:
        raise NotFound(f"没有升级策略 {policy_id}")
    return EscalationPolicyOut(**p)

"""Escalation policies: POST/GET /api/v1/escalation-policies."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from services.alerts.adapters import escalation_repository, repository
from services.alerts.entrypoints.schemas import EscalationPolicyIn, EscalationPolicyOut
from shared.auth import Principal
from shared.errors import InvalidInput, NotFound
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
    errors = []
    for i, level in enumerate(body.levels):
        for j, sub_id in enumerate(level.subscription_ids):
            sub = await repository.subscription(uow.session, sub_id)
            if sub is None:
                errors.append({"field": f"body.levels.{i}.subscription_ids.{j}",
                               "message": f"没有订阅 {sub_id}"})
    if errors:
        raise InvalidInput(errors[0]["message"], errors=errors)
    values = {"id": uuid.uuid4(), "name": body.name, "types": body.types, "repeat_cap": body.repeat_cap,
              "fallback": body.fallback,
              "levels": [{"after_working_hours": lv.after_working_hours,
                          "subscription_ids": [str(s) for s in lv.subscription_ids],
                          "org_levels_up": lv.org_levels_up} for lv in body.levels],
              "created_by": caller.subject, "created_at": runtime.clock.now()}
    await escalation_repository.add_policy(uow.session, values)
    await uow.commit()
    return EscalationPolicyOut(**values)


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

"""The editable policies as commands: the accountability grading numbers and the SLA numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.audit_link.adapters import policy_repo
from services.audit_link.domain.accountability import AccountabilityPolicy
from services.audit_link.domain.sla_policy import SlaPolicy
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class PutAccountabilityPolicy:
    policy: AccountabilityPolicy
    by: str
    at: datetime


async def put_accountability_policy(cmd: PutAccountabilityPolicy, uow: UnitOfWork) -> AccountabilityPolicy:
    """Replace the accountability numbers (errors reported from now on are graded with them); committed."""
    await policy_repo.store(uow.session, cmd.policy, by=cmd.by, at=cmd.at)
    await uow.commit()
    return cmd.policy


@dataclass(frozen=True)
class PutSlaPolicy:
    policy: SlaPolicy
    by: str
    at: datetime


async def put_sla_policy(cmd: PutSlaPolicy, uow: UnitOfWork) -> SlaPolicy:
    """Replace the SLA numbers (deadlines set from now on and the next scanner pass follow them;
    deadlines already set stay); committed."""
    await policy_repo.store_sla(uow.session, cmd.policy, by=cmd.by, at=cmd.at)
    await uow.commit()
    return cmd.policy

"""Escalation policies: create one (levels of subscriptions to notify while an alert stays unacknowledged)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.alerts.adapters import escalation_repository, repository
from shared.errors import InvalidInput
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Level:
    after_working_hours: float
    subscription_ids: Sequence[uuid.UUID]
    org_levels_up: int | None


@dataclass(frozen=True)
class CreatePolicy:
    name: str
    types: Sequence[str]
    levels: Sequence[Level]
    repeat_cap: int
    fallback: bool
    by: str
    at: datetime


async def create_policy(cmd: CreatePolicy, uow: UnitOfWork) -> dict[str, Any]:
    """Store the policy once every subscription it names exists (InvalidInput naming each one that
    does not); committed. Returns the stored row."""
    errors = []
    for i, level in enumerate(cmd.levels):
        for j, sub_id in enumerate(level.subscription_ids):
            if await repository.subscription(uow.session, sub_id) is None:
                errors.append({"field": f"body.levels.{i}.subscription_ids.{j}", "message": f"没有订阅 {sub_id}"})
    if errors:
        raise InvalidInput(errors[0]["message"], errors=errors)
    values = {"id": uuid.uuid4(), "name": cmd.name, "types": list(cmd.types), "repeat_cap": cmd.repeat_cap,
              "fallback": cmd.fallback,
              "levels": [{"after_working_hours": lv.after_working_hours,
                          "subscription_ids": [str(s) for s in lv.subscription_ids],
                          "org_levels_up": lv.org_levels_up} for lv in cmd.levels],
              "created_by": cmd.by, "created_at": cmd.at}
    await escalation_repository.add_policy(uow.session, values)
    await uow.commit()
    return values

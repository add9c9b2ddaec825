"""Subscriptions: create one (webhook or Kafka channel), rotate a webhook's secret, delete one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.alerts.adapters import escalation_repository, group_repository, repository
from services.alerts.domain.grouping import ALL_LABELS
from services.alerts.domain.subscriptions import url_problem
from shared.errors import InvalidInput, NotFound
from shared.reference import unknown_unit_problems
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class CreateSubscription:
    name: str
    types: Sequence[str]
    min_severity: str
    unit_prefix: str | None
    channel: str  # "webhook" | "kafka"
    url: str | None  # webhook only
    secret: str | None  # webhook only
    repeat_interval_s: int | None
    group_by: Sequence[str]
    group_wait_s: int
    group_interval_s: int
    send_resolved: bool
    escalation_policy_id: uuid.UUID | None
    allowed_hosts: Sequence[str]  # the webhook host allow-list of alerts' settings (empty: any host)
    by: str
    at: datetime


async def create_subscription(cmd: CreateSubscription, uow: UnitOfWork) -> dict[str, Any]:
    """Check the subscription's references and rules (InvalidInput naming the field), store it;
    committed. Returns the stored row."""
    if cmd.unit_prefix is not None:  # a subtree that does not exist would silently match nothing
        problems = await unknown_unit_problems(uow.session, [("body.match.unit_prefix", cmd.unit_prefix)])
        if problems:
            raise InvalidInput(title="单位无效", detail=problems[0]["message"], errors=problems)
    if cmd.channel == "webhook" and (problem := url_problem(cmd.url or "", cmd.allowed_hosts)):
        raise InvalidInput(f"body.channel.url 无效：{problem}",
                           errors=[{"field": "body.channel.url", "message": problem}])
    if cmd.escalation_policy_id is not None and (
            await escalation_repository.policy(uow.session, cmd.escalation_policy_id)) is None:
        raise InvalidInput(f"没有升级策略 {cmd.escalation_policy_id}",
                           errors=[{"field": "body.escalation_policy_id",
                                    "message": f"没有升级策略 {cmd.escalation_policy_id}"}])
    if ALL_LABELS in cmd.group_by and len(cmd.group_by) > 1:
        raise InvalidInput('group_by 中的 "..." 只能单独使用',
                           errors=[{"field": "body.group_by", "message": '"..."（每条告警各成一组）只能单独使用'}])
    values = {
        "id": uuid.uuid4(), "name": cmd.name, "types": list(cmd.types), "min_severity": cmd.min_severity,
        "unit_prefix": cmd.unit_prefix, "channel": cmd.channel, "url": cmd.url, "secret": cmd.secret,
        "repeat_interval_s": cmd.repeat_interval_s, "group_by": list(cmd.group_by),
        "group_wait_s": cmd.group_wait_s, "group_interval_s": cmd.group_interval_s,
        "send_resolved": cmd.send_resolved, "escalation_policy_id": cmd.escalation_policy_id,
        "created_by": cmd.by, "created_at": cmd.at,
    }
    await repository.add_subscription(uow.session, values)
    await uow.commit()
    return values


@dataclass(frozen=True)
class RotateSecret:
    subscription_id: uuid.UUID
    secret: str
    overlap_s: int  # how long the previous secret keeps signing beside the new one
    at: datetime


async def rotate_secret(cmd: RotateSecret, uow: UnitOfWork) -> dict[str, Any]:
    """The new secret signs from `at` on, the previous one too until `at + overlap_s`; committed.
    NotFound unless it is a live webhook subscription. Returns the updated row."""
    row = await repository.rotate_secret(uow.session, cmd.subscription_id, cmd.secret,
                                         cmd.at + timedelta(seconds=cmd.overlap_s))
    if row is None:
        raise NotFound(f"没有 webhook 订阅 {cmd.subscription_id}")
    await uow.commit()
    return row


@dataclass(frozen=True)
class DeleteSubscription:
    subscription_id: uuid.UUID
    at: datetime


async def delete_subscription(cmd: DeleteSubscription, uow: UnitOfWork) -> None:
    """Delete it (its pending deliveries cancelled, its groups dropped); committed."""
    if not await repository.delete_subscription(uow.session, cmd.subscription_id, cmd.at):
        raise NotFound(f"没有订阅 {cmd.subscription_id}")
    await group_repository.drop_subscription(uow.session, cmd.subscription_id)
    await uow.commit()

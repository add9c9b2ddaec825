"""Subscriptions: POST/GET/DELETE /api/v1/subscriptions and the delivery log (writes: handlers.subscriptions)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.alerts.adapters import delivery_repository, group_repository, repository
from services.alerts.config import AlertsSettings
from services.alerts.entrypoints.schemas import (
    AttemptOut,
    ChannelOut,
    DeliveriesOut,
    DeliveryOut,
    GroupOut,
    MatchIn,
    SecretRotationIn,
    SubscriptionIn,
    SubscriptionOut,
    WebhookChannel,
)
from services.alerts.handlers import subscriptions
from shared.auth import Principal
from shared.errors import NotFound
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.runtime import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"])
WRITE_ROLES = ("admin", "system")
READ_ROLES = ("admin", "system", "customer_service", "marketing")


SETTINGS_STATE = "alerts_settings"  # where bootstrap.build leaves alerts' settings on app.state


def alerts_settings(request: Request) -> AlertsSettings:
    config: AlertsSettings = getattr(request.app.state, SETTINGS_STATE)
    return config


def _visible(caller: Principal, row: dict[str, Any]) -> bool:
    """A scoped caller sees only subscriptions confined to its subtree (unit_prefix inside it)."""
    return caller.sees_all_units or (row["unit_prefix"] is not None and caller.may_see(row["unit_prefix"]))


def _out(row: dict[str, Any], caller: Principal | None = None) -> SubscriptionOut:
    # Webhook URLs (often carrying a token of the receiver) are shown to admins only.
    url = row["url"] if caller is None or "admin" in caller.roles else None
    return SubscriptionOut(
        id=row["id"], name=row["name"], repeat_interval_s=row["repeat_interval_s"], created_at=row["created_at"],
        group_by=row["group_by"], group_wait_s=row["group_wait_s"], group_interval_s=row["group_interval_s"],
        send_resolved=row["send_resolved"], escalation_policy_id=row.get("escalation_policy_id"),
        match=MatchIn(types=row["types"], min_severity=row["min_severity"], unit_prefix=row["unit_prefix"]),
        channel=ChannelOut(type=row["channel"], url=url),
        rotation_until=row.get("previous_secret_until"),
    )


@router.post("", status_code=201, response_model=SubscriptionOut)
async def create_subscription(
    body: SubscriptionIn, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
    uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime),
    config: AlertsSettings = Depends(alerts_settings),
) -> SubscriptionOut:
    webhook = body.channel if isinstance(body.channel, WebhookChannel) else None
    row = await subscriptions.create_subscription(subscriptions.CreateSubscription(
        name=body.name, types=body.match.types, min_severity=body.match.min_severity,
        unit_prefix=body.match.unit_prefix, channel=body.channel.type,
        url=webhook.url if webhook else None, secret=webhook.secret if webhook else None,
        repeat_interval_s=body.repeat_interval_s, group_by=body.group_by, group_wait_s=body.group_wait_s,
        group_interval_s=body.group_interval_s, send_resolved=body.send_resolved,
        escalation_policy_id=body.escalation_policy_id, allowed_hosts=config.webhook_allowed_hosts,
        by=caller.subject, at=runtime.clock.now()), uow)
    return _out(row)


@router.get("", response_model=list[SubscriptionOut])
async def list_subscriptions(caller: Principal = Depends(require_roles(*READ_ROLES)),
                             uow: UnitOfWork = Depends(get_uow)) -> list[SubscriptionOut]:
    return [_out(r, caller) for r in await repository.active_subscriptions(uow.session) if _visible(caller, r)]


@router.get("/{sub_id}", response_model=SubscriptionOut)
async def get_subscription(sub_id: uuid.UUID, caller: Principal = Depends(require_roles(*READ_ROLES)),
                           uow: UnitOfWork = Depends(get_uow)) -> SubscriptionOut:
    row = await repository.subscription(uow.session, sub_id)
    if row is None or not _visible(caller, row):
        raise NotFound(f"没有订阅 {sub_id}")
    return _out(row, caller)


@router.post("/{sub_id}/secret", response_model=SubscriptionOut)
async def rotate_secret(sub_id: uuid.UUID, body: SecretRotationIn,
                        caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                        uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> SubscriptionOut:
    """Rotate a webhook's signing secret without downtime: both secrets sign during the overlap."""
    row = await subscriptions.rotate_secret(
        subscriptions.RotateSecret(sub_id, body.secret, body.overlap_s, runtime.clock.now()), uow)
    return _out(row)


@router.delete("/{sub_id}", status_code=204)
async def delete_subscription(sub_id: uuid.UUID, caller: Principal = Depends(require_roles(*WRITE_ROLES)),
                              uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> Response:
    await subscriptions.delete_subscription(subscriptions.DeleteSubscription(sub_id, runtime.clock.now()), uow)
    return Response(status_code=204)


@router.get("/{sub_id}/deliveries", response_model=DeliveriesOut)
async def deliveries(sub_id: uuid.UUID, limit: int = Query(100, ge=1, le=1000),
                     cursor: int | None = Query(None, ge=1, description="next_cursor of the previous page"),
                     caller: Principal = Depends(require_roles(*READ_ROLES)),
                     uow: UnitOfWork = Depends(get_uow)) -> DeliveriesOut:
    """The delivery log, newest first, with the attempts of the deliveries on the page."""
    row = await repository.subscription(uow.session, sub_id)
    if row is None or not _visible(caller, row):
        raise NotFound(f"没有订阅 {sub_id}")
    ds, attempts = await delivery_repository.log(uow.session, sub_id, limit + 1, after=cursor)
    page = ds[:limit]
    shown = {d["id"] for d in page}
    return DeliveriesOut(deliveries=[DeliveryOut(**d) for d in page],
                         attempts=[AttemptOut(**a) for a in attempts if a["delivery_id"] in shown],
                         next_cursor=str(page[-1]["seq"]) if len(ds) > limit else None)


@router.get("/{sub_id}/groups", response_model=list[GroupOut])
async def groups(sub_id: uuid.UUID, limit: int = Query(100, ge=1, le=1000),
                 caller: Principal = Depends(require_roles(*READ_ROLES)),
                 uow: UnitOfWork = Depends(get_uow)) -> list[GroupOut]:
    """The subscription's open notification groups and how many alerts each holds."""
    row = await repository.subscription(uow.session, sub_id)
    if row is None or not _visible(caller, row):
        raise NotFound(f"没有订阅 {sub_id}")
    return [GroupOut(**g) for g in await group_repository.list_groups(uow.session, sub_id, limit)]

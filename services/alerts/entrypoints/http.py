"""alerts' HTTP API: the alert feed, one alert with its history, acknowledgement."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Depends, Query

from services.alerts import lifecycle
from services.alerts.adapters import repository
from services.alerts.domain import alerts as domain
from services.alerts.entrypoints.schemas import AlertDetail, AlertOut, AlertPage, HistoryOut
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.runtime import Runtime
from shared.uow import UnitOfWork
from shared.validation import UnitCode

router = APIRouter(prefix="/api/v1", tags=["alerts"])
ACK_ROLES = ("admin", "customer_service", "marketing", "audit_center", "station", "system")


@router.get("/alerts", response_model=AlertPage)
async def list_alerts(
    state: Literal["firing", "acknowledged", "resolved"] | None = None,
    severity: Literal["info", "warning", "critical"] | None = None,
    unit: UnitCode | None = None,
    cursor: int | None = Query(None, ge=1, description="next_cursor of the previous page"),
    limit: int = Query(50, ge=1, le=500),
    caller: Principal = Depends(require_roles()), uow: UnitOfWork = Depends(get_uow),
) -> AlertPage:
    rows = await repository.list_alerts(
        uow.session, state=state, severity=severity, unit=unit, scope=caller.unit_prefixes(),
        after=cursor, limit=limit + 1,
    )
    page = rows[:limit]
    return AlertPage(
        items=[AlertOut(**r) for r in page],
        next_cursor=str(page[-1]["seq"]) if len(rows) > limit else None,
    )


async def _visible_alert(uow: UnitOfWork, alert_id: uuid.UUID, caller: Principal, *,
                         for_update: bool = False) -> domain.Alert:
    alert = await repository.alert_by_id(uow.session, alert_id, for_update=for_update)
    if alert is None or not caller.may_see(alert.unit):
        raise NotFound(f"no alert {alert_id}")
    return alert


def _out(a: domain.Alert) -> dict:
    return {**a.__dict__, "source_event_ids": list(a.source_event_ids)}


@router.get("/alerts/{alert_id}", response_model=AlertDetail)
async def get_alert(alert_id: uuid.UUID, caller: Principal = Depends(require_roles()),
                    uow: UnitOfWork = Depends(get_uow)) -> AlertDetail:
    alert = await _visible_alert(uow, alert_id, caller)
    hist = await repository.alert_history(uow.session, alert_id)
    return AlertDetail(**_out(alert), history=[HistoryOut(**h) for h in hist])


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut)
async def acknowledge(alert_id: uuid.UUID, caller: Principal = Depends(require_roles(*ACK_ROLES)),
                      uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> AlertOut:
    alert = await _visible_alert(uow, alert_id, caller, for_update=True)
    if alert.state == "resolved":
        raise Conflict("a resolved alert cannot be acknowledged")
    now = runtime.clock.now()
    change = domain.acknowledge(alert, by=caller.subject, at=now)
    if change is not None:
        await lifecycle.record(uow, change, new=False, event_id=None, actor=caller.subject, at=now)
        alert = change.alert
    await uow.commit()
    return AlertOut(**_out(alert))

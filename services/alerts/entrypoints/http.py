"""alerts' HTTP API."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query

from services.alerts.adapters import repository
from services.alerts.entrypoints.schemas import AlertOut, AlertPage
from shared.auth import Principal
from shared.http.deps import get_uow, require_roles
from shared.uow import UnitOfWork
from shared.validation import UnitCode

router = APIRouter(prefix="/api/v1", tags=["alerts"])


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

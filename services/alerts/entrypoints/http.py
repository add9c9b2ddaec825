"""alerts' HTTP API: the alert feed, one alert with its history, acknowledgement (handlers.alerts)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from services.alerts.adapters import repository
from services.alerts.domain import alerts as domain
from services.alerts.domain.status import FIRING_DEFINITION, FIRING_DEFINITION_ZH, STATUSES
from services.alerts.entrypoints.schemas import AlertDetail, AlertOut, AlertPage, CountsOut, HistoryOut, SummaryOut
from services.alerts.handlers import alerts
from shared.auth import Principal
from shared.errors import InvalidInput
from shared.http.deps import get_runtime, get_uow, require_roles
from shared.http.read_cache import cached_json, reads_only
from shared.runtime import Runtime
from shared.scope import ensure_visible
from shared.uow import UnitOfWork
from shared.validation import UnitCode

router = APIRouter(prefix="/api/v1", tags=["alerts"])
ACK_ROLES = ("admin", "customer_service", "marketing", "audit_center", "station", "system")


def _label_filters(label: list[str]) -> dict[str, str]:
    out = {}
    for i, item in enumerate(label):
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise InvalidInput("标签筛选须为 name=value",
                          errors=[{"field": f"query.label.{i}", "message": "须为 name=value"}])
        out[name] = value
    return out


@router.get("/alerts", response_model=AlertPage)
async def list_alerts(
    request: Request,
    state: Literal["firing", "suppressed", "acknowledged", "resolved"] | None = Query(
        None, description="Status: firing = state firing, not silenced, not inhibited (docs/alerts.md)"),
    severity: Literal["info", "warning", "critical"] | None = None,
    type: str | None = Query(None, max_length=100, description="Alert type, e.g. ArrearsRiskDetected"),
    unit: UnitCode | None = Query(None, description="The unit and its subtree"),
    label: list[str] = Query([], description="name=value (a notification group's link)"),
    fingerprint: str | None = Query(None, max_length=500),
    cursor: int | None = Query(None, ge=1, description="next_cursor of the previous page"),
    limit: int = Query(50, ge=1, le=500),
    caller: Principal = Depends(require_roles()), uow: UnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    labels = _label_filters(label)
    query: dict[str, Any] = {"state": state, "severity": severity, "unit": unit, "scope": caller.unit_prefixes(),
                             "after": cursor, "limit": limit + 1, "type_": type, "labels": labels,
                             "fingerprint": fingerprint}
    # The page is built again only when what it shows changed: the key holds PostgreSQL's digest of
    # the very rows of the page, their state and inhibition and the status and silencing derived
    # under the silences active now (read first, so an expired or new silence changes the digest).
    await reads_only(uow.session)
    active = await repository.active_silences(uow.session, runtime.clock.now())
    digest = await repository.list_fingerprint(uow.session, active, **query)

    async def unchanged() -> bool:
        return await repository.list_fingerprint(uow.session, active, **query) == digest

    async def page() -> AlertPage:
        rows = await repository.list_alerts(uow.session, active=active, **query)
        shown = rows[:limit]
        return AlertPage(items=[AlertOut(**r) for r in shown],
                         next_cursor=str(shown[-1]["seq"]) if len(rows) > limit else None)

    key = ("alerts", query["scope"], state, severity, type, unit, tuple(sorted(labels.items())), fingerprint,
           cursor, limit, digest)
    return await cached_json(request, key, page, still=unchanged)


@router.get("/alerts/summary", response_model=SummaryOut)
async def summary(unit: UnitCode | None = Query(None, description="The unit and its subtree"),
                  caller: Principal = Depends(require_roles()), uow: UnitOfWork = Depends(get_uow),
                  runtime: Runtime = Depends(get_runtime)) -> SummaryOut:
    """Counts by status under the one definition of firing (what the dashboard and bulletin show)."""
    if unit is not None:
        ensure_visible(caller, unit)
    now = runtime.clock.now()
    rows = await repository.summary(uow.session, unit=unit, scope=caller.unit_prefixes(), at=now)
    counts = {}
    for st in STATUSES:
        mine = [r for r in rows if r["status"] == st]
        by_sev: dict[str, int] = {}
        by_type: dict[str, int] = {}
        for r in mine:
            by_sev[r["severity"]] = by_sev.get(r["severity"], 0) + r["n"]
            by_type[r["type"]] = by_type.get(r["type"], 0) + r["n"]
        counts[st] = CountsOut(total=sum(r["n"] for r in mine), by_severity=by_sev, by_type=by_type)
    return SummaryOut(definition=FIRING_DEFINITION, definition_zh=FIRING_DEFINITION_ZH, unit=unit, at=now,
                      **counts)


def _out(a: domain.Alert) -> dict:
    return {**a.__dict__, "source_event_ids": list(a.source_event_ids)}


@router.get("/alerts/{alert_id}", response_model=AlertDetail)
async def get_alert(alert_id: uuid.UUID, caller: Principal = Depends(require_roles()),
                    uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> AlertDetail:
    alert = await alerts.visible_alert(uow, alert_id, caller.may_see)
    [row] = await repository.list_alerts(uow.session, state=None, severity=None, unit=None, scope=None, after=None,
                                         limit=1, at=runtime.clock.now(), alert_id=alert_id)
    hist = await repository.alert_history(uow.session, alert_id)
    return AlertDetail(**{**_out(alert), "status": row["status"], "silenced": row["silenced"],
                          "inhibited_by": row["inhibited_by"]}, history=[HistoryOut(**h) for h in hist])


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut)
async def acknowledge(alert_id: uuid.UUID, caller: Principal = Depends(require_roles(*ACK_ROLES)),
                      uow: UnitOfWork = Depends(get_uow), runtime: Runtime = Depends(get_runtime)) -> AlertOut:
    alert = await alerts.acknowledge(alerts.Acknowledge(alert_id, caller.subject, caller.may_see,
                                                        runtime.clock.now()), uow)
    return AlertOut(**_out(alert))

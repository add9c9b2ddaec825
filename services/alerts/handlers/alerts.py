"""Commands on one alert: acknowledge it (firing → acknowledged, recorded and announced)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.alerts import lifecycle
from services.alerts.adapters import repository
from services.alerts.domain import alerts as domain
from shared.errors import NotFound
from shared.uow import UnitOfWork


async def visible_alert(uow: UnitOfWork, alert_id: uuid.UUID, may_see: Callable[[str], bool], *,
                        for_update: bool = False) -> domain.Alert:
    """The alert, if the caller may see its unit; NotFound otherwise (the two are not told apart)."""
    alert = await repository.alert_by_id(uow.session, alert_id, for_update=for_update)
    if alert is None or not may_see(alert.unit):
        raise NotFound(f"没有告警 {alert_id}")
    return alert


@dataclass(frozen=True)
class Acknowledge:
    alert_id: uuid.UUID
    by: str
    may_see: Callable[[str], bool]  # the caller's scope: an alert outside it is not found
    at: datetime


async def acknowledge(cmd: Acknowledge, uow: UnitOfWork) -> domain.Alert:
    """Acknowledge a firing alert (again: no change); a resolved one raises the domain's
    ResolvedNotAcknowledgeable (409). Committed; returns the alert as it now stands."""
    alert = await visible_alert(uow, cmd.alert_id, cmd.may_see, for_update=True)
    change = domain.acknowledge(alert, by=cmd.by, at=cmd.at)
    if change is not None:
        await lifecycle.record(uow, change, new=False, event_id=None, actor=cmd.by, at=cmd.at)
        alert = change.alert
    await uow.commit()
    return alert

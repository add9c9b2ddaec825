"""Applies alert changes: the row, its history, the m2c.alerts.v1 event and the webhook queue,
all in the caller's unit of work (one transaction)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from services.alerts.adapters import repository
from services.alerts.domain import alerts as domain
from services.alerts.domain.silences import is_silenced
from services.alerts.domain.subscriptions import Match
from shared.events.alerts import AlertRaised, AlertResolved, AlertUpdated
from shared.uow import UnitOfWork

_EVENTS = {"raised": AlertRaised, "updated": AlertUpdated, "acked": AlertUpdated, "resolved": AlertResolved}


def alert_json(a: domain.Alert) -> dict[str, Any]:
    return {
        "id": str(a.id), "fingerprint": a.fingerprint, "type": a.type, "unit": a.unit, "severity": a.severity,
        "state": a.state, "summary": a.summary, "labels": a.labels, "first_seen": a.first_seen.isoformat(),
        "last_seen": a.last_seen.isoformat(), "count": a.count,
    }


def delivery_body(delivery_id: uuid.UUID, sub: dict[str, Any], change: str, alert: domain.Alert) -> str:
    return json.dumps({"delivery_id": str(delivery_id), "subscription": {"id": str(sub["id"]), "name": sub["name"]},
                       "change": change, "alert": alert_json(alert)}, ensure_ascii=False, separators=(",", ":"))


def sub_match(sub: dict[str, Any]) -> Match:
    return Match(tuple(sub["types"]), sub["min_severity"], sub["unit_prefix"])


async def on_signal(uow: UnitOfWork, signal: domain.AlertSignal, event_id: uuid.UUID, at: datetime) -> None:
    """A source event's signal: raise, update or resolve the alert of its fingerprint."""
    await repository.lock_fingerprint(uow.session, signal.fingerprint)
    current = await repository.alert_by_fingerprint(uow.session, signal.fingerprint)
    change = domain.apply_signal(current, signal, new_id=uuid.uuid4(), event_id=str(event_id), at=at)
    if change is not None:
        await record(uow, change, new=current is None, event_id=event_id, actor=None, at=at)


async def record(uow: UnitOfWork, change: domain.Change, *, new: bool, event_id: uuid.UUID | None,
                 actor: str | None, at: datetime) -> None:
    a = change.alert
    session = uow.session
    await repository.save_alert(session, a, new=new)
    labels = {**a.labels, "type": a.type, "unit": a.unit, "severity": a.severity}
    silenced = is_silenced(await repository.active_silences(session, at), labels, at)
    kafka_subs: list[str] = []
    if change.notify and not silenced:
        for sub in await repository.active_subscriptions(session):
            if not sub_match(sub).accepts(a.type, a.severity, a.unit):
                continue
            if sub["channel"] == "kafka":
                kafka_subs.append(str(sub["id"]))
                continue
            delivery_id = uuid.uuid4()
            await repository.enqueue_delivery(
                session, delivery_id=delivery_id, subscription_id=sub["id"], alert_id=a.id, change=change.kind,
                body=delivery_body(delivery_id, sub, change.kind, a), at=at)
    await repository.add_history(session, alert=a, change=change.kind, at=at, event_id=event_id, actor=actor,
                                 changes=change.changes, silenced=silenced)
    uow.emit(_EVENTS[change.kind](
        alert_id=a.id, fingerprint=a.fingerprint, type=a.type, unit=a.unit, severity=a.severity, state=a.state,
        summary=a.summary, labels=a.labels, count=a.count, first_seen=a.first_seen, last_seen=a.last_seen,
        change=change.kind, silenced=silenced, source_event_id=event_id, acked_by=a.acked_by,
        subscriptions=kafka_subs,
    ), subject=a.unit)

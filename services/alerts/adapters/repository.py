"""Reads and writes of alerts, their history, silences and subscriptions. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import alerts, deliveries, history, notifications, silences, subscriptions
from services.alerts.domain.alerts import Alert
from services.alerts.domain.silences import Matcher, Silence
from shared.scope import in_subtree, within

_ALERT_FIELDS = ("id", "fingerprint", "type", "unit", "severity", "state", "summary", "labels", "first_seen",
                 "last_seen", "count", "source_event_ids", "acked_by", "acked_at", "resolved_at")


def _to_alert(row: Any) -> Alert:
    d = {k: row[k] for k in _ALERT_FIELDS}
    d["source_event_ids"] = tuple(d["source_event_ids"])
    return Alert(**d)


def _values(a: Alert) -> dict[str, Any]:
    d = {k: getattr(a, k) for k in _ALERT_FIELDS}
    d["source_event_ids"] = list(a.source_event_ids)
    return d


async def alert_by_fingerprint(session: AsyncSession, fingerprint: str) -> Alert | None:
    row = (await session.execute(
        select(alerts).where(alerts.c.fingerprint == fingerprint).with_for_update())).mappings().first()
    return _to_alert(row) if row else None


async def lock_fingerprint(session: AsyncSession, fingerprint: str) -> None:
    """Serialise the first sighting of a fingerprint across concurrent consumers."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(fingerprint, 0))))


async def alert_by_id(session: AsyncSession, alert_id: uuid.UUID, *, for_update: bool = False) -> Alert | None:
    q = select(alerts).where(alerts.c.id == alert_id)
    row = (await session.execute(q.with_for_update() if for_update else q)).mappings().first()
    return _to_alert(row) if row else None


async def save_alert(session: AsyncSession, alert: Alert, *, new: bool) -> None:
    values = _values(alert)
    if new:
        await session.execute(insert(alerts).values(**values))
    else:
        await session.execute(update(alerts).where(alerts.c.id == alert.id).values(**values))


async def add_history(session: AsyncSession, *, alert: Alert, change: str, at: datetime,
                      event_id: uuid.UUID | None, actor: str | None, changes: dict[str, Any],
                      silenced: bool) -> None:
    await session.execute(insert(history).values(
        alert_id=alert.id, change=change, at=at, event_id=event_id, actor=actor, severity=alert.severity,
        state=alert.state, changes=changes, silenced=silenced))


async def alert_history(session: AsyncSession, alert_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.execute(select(history).where(history.c.alert_id == alert_id).order_by(history.c.id))
    return [dict(r) for r in rows.mappings()]


async def list_alerts(
    session: AsyncSession, *, state: str | None, severity: str | None, unit: str | None,
    scope: Sequence[str] | None, after: int | None, limit: int,
) -> list[dict[str, Any]]:
    q = select(alerts)
    if state:
        q = q.where(alerts.c.state == state)
    if severity:
        q = q.where(alerts.c.severity == severity)
    if unit:
        q = q.where(in_subtree(alerts.c.unit, unit))
    q = q.where(within(alerts.c.unit, scope))
    if after is not None:
        q = q.where(alerts.c.seq < after)
    rows = (await session.execute(q.order_by(alerts.c.seq.desc()).limit(limit))).mappings().all()
    return [dict(r) for r in rows]


# --- silences ------------------------------------------------------------------------------------

def _to_silence(row: Any) -> Silence:
    return Silence(tuple(Matcher(m["name"], m["value"], m.get("is_regex", False)) for m in row["matchers"]),
                   row["starts_at"], row["ends_at"])


async def active_silences(session: AsyncSession, at: datetime) -> list[Silence]:
    rows = await session.execute(select(silences).where(
        silences.c.deleted_at.is_(None), silences.c.starts_at <= at, silences.c.ends_at > at))
    return [_to_silence(r) for r in rows.mappings()]


async def add_silence(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(silences).values(**values))


async def list_silences(session: AsyncSession, *, include_expired: bool, at: datetime) -> list[dict[str, Any]]:
    q = select(silences).where(silences.c.deleted_at.is_(None))
    if not include_expired:
        q = q.where(silences.c.ends_at > at)
    rows = await session.execute(q.order_by(silences.c.created_at.desc()))
    return [dict(r) for r in rows.mappings()]


async def get_silence(session: AsyncSession, silence_id: uuid.UUID) -> dict[str, Any] | None:
    row = (await session.execute(select(silences).where(silences.c.id == silence_id,
                                                        silences.c.deleted_at.is_(None)))).mappings().first()
    return dict(row) if row else None


async def delete_silence(session: AsyncSession, silence_id: uuid.UUID, at: datetime) -> bool:
    r = await session.execute(update(silences).where(silences.c.id == silence_id, silences.c.deleted_at.is_(None))
                              .values(deleted_at=at))
    return r.rowcount == 1


# --- subscriptions -------------------------------------------------------------------------------

async def active_subscriptions(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(select(subscriptions).where(subscriptions.c.deleted_at.is_(None))
                                 .order_by(subscriptions.c.created_at))
    return [dict(r) for r in rows.mappings()]


async def subscription(session: AsyncSession, sub_id: uuid.UUID) -> dict[str, Any] | None:
    row = (await session.execute(select(subscriptions).where(
        subscriptions.c.id == sub_id, subscriptions.c.deleted_at.is_(None)))).mappings().first()
    return dict(row) if row else None


async def add_subscription(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(subscriptions).values(**values))


async def rotate_secret(session: AsyncSession, sub_id: uuid.UUID, secret: str,
                        previous_until: datetime) -> dict[str, Any] | None:
    """The new secret signs from now on; the current one keeps signing beside it until `previous_until`."""
    row = (await session.execute(update(subscriptions).where(
        subscriptions.c.id == sub_id, subscriptions.c.deleted_at.is_(None), subscriptions.c.channel == "webhook",
    ).values(previous_secret=subscriptions.c.secret, previous_secret_until=previous_until, secret=secret)
        .returning(subscriptions))).mappings().first()
    return dict(row) if row else None


async def delete_subscription(session: AsyncSession, sub_id: uuid.UUID, at: datetime) -> bool:
    r = await session.execute(update(subscriptions).where(
        subscriptions.c.id == sub_id, subscriptions.c.deleted_at.is_(None)).values(deleted_at=at))
    if r.rowcount == 1:
        await session.execute(update(deliveries).where(
            deliveries.c.subscription_id == sub_id, deliveries.c.state == "pending").values(state="cancelled"))
    return r.rowcount == 1


async def enqueue_delivery(session: AsyncSession, *, delivery_id: uuid.UUID, subscription_id: uuid.UUID,
                           alert_id: uuid.UUID, change: str, body: str, at: datetime) -> None:
    """Queue one webhook POST (in the transaction of the alert change) and note the notification."""
    await session.execute(insert(deliveries).values(
        id=delivery_id, subscription_id=subscription_id, alert_id=alert_id, change=change, body=body,
        state="pending", attempts=0, next_attempt_at=at, created_at=at))
    stmt = pg_insert(notifications).values(subscription_id=subscription_id, alert_id=alert_id, last_sent_at=at)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["subscription_id", "alert_id"], set_={"last_sent_at": stmt.excluded.last_sent_at}))

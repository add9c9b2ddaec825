"""Reads and writes of alerts, their history, silences and subscriptions. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, false, func, insert, literal, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.alerts.adapters.tables import alerts, deliveries, history, silences, subscriptions
from services.alerts.domain.alerts import Alert
from services.alerts.domain.silences import Matcher, Silence
from shared.db import rowcount
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
                      silenced: bool, inhibited: bool = False) -> None:
    await session.execute(insert(history).values(
        alert_id=alert.id, change=change, at=at, event_id=event_id, actor=actor, severity=alert.severity,
        state=alert.state, changes=changes, silenced=silenced, inhibited=inhibited))


async def inhibited_by(session: AsyncSession, alert_id: uuid.UUID) -> str | None:
    return (await session.execute(select(alerts.c.inhibited_by).where(alerts.c.id == alert_id))).scalar()


async def set_inhibited_by(session: AsyncSession, alert_id: uuid.UUID, source: str | None) -> None:
    await session.execute(update(alerts).where(alerts.c.id == alert_id).values(inhibited_by=source))


def label_expr(name: str) -> ColumnElement:
    """A label of an alert as SQL: type, unit and severity are columns, the rest live in `labels`."""
    if name in ("type", "unit", "severity"):
        return alerts.c[name]
    return func.coalesce(alerts.c.labels[name].astext, literal(""))


async def active_with_labels(session: AsyncSession, equal: dict[str, str], *, exclude: uuid.UUID,
                             limit: int = 100_000) -> list[dict[str, Any]]:
    """Alerts not resolved whose labels have these values (inhibition candidates), with inhibited_by."""
    q = select(alerts).where(alerts.c.state != "resolved", alerts.c.id != exclude,
                             *(label_expr(k) == v for k, v in equal.items())).limit(limit)
    return [dict(r) for r in (await session.execute(q)).mappings()]


async def alert_history(session: AsyncSession, alert_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.execute(select(history).where(history.c.alert_id == alert_id).order_by(history.c.id))
    return [dict(r) for r in rows.mappings()]


def silenced_sql(active: list[Silence]) -> ColumnElement:
    """Whether an active silence matches an alert, as SQL (a regex matcher is a full match)."""
    if not active:
        return false()
    def one(m: Matcher) -> ColumnElement:
        label = label_expr(m.name)
        return label.op("~")(f"^(?:{m.value})$") if m.is_regex else label == m.value
    return or_(*(and_(*(one(m) for m in s.matchers)) for s in active))


def status_sql(active: list[Silence]) -> ColumnElement:
    """The one definition (domain.status) as SQL."""
    a = alerts.c
    return case((a.state.in_(("resolved", "acknowledged")), a.state),
                (or_(a.inhibited_by.is_not(None), silenced_sql(active)), "suppressed"), else_="firing")


def _scope(q: Any, unit: str | None, scope: Sequence[str] | None) -> Any:
    if unit:
        q = q.where(in_subtree(alerts.c.unit, unit))
    return q.where(within(alerts.c.unit, scope))


def _list_select(
    active: list[Silence], *, state: str | None, severity: str | None, unit: str | None,
    scope: Sequence[str] | None, after: int | None, limit: int, type_: str | None = None,
    labels: dict[str, str] | None = None, fingerprint: str | None = None, alert_id: uuid.UUID | None = None,
) -> Select:
    status = status_sql(active).label("status")
    silenced = silenced_sql(active).label("silenced")
    q = select(alerts, status, silenced)
    if state:
        q = q.where(status == state)
    if severity:
        q = q.where(alerts.c.severity == severity)
    if type_:
        q = q.where(alerts.c.type == type_)
    if fingerprint:
        q = q.where(alerts.c.fingerprint == fingerprint)
    if alert_id:
        q = q.where(alerts.c.id == alert_id)
    for k, v in (labels or {}).items():
        q = q.where(label_expr(k) == v)
    q = _scope(q, unit, scope)
    if after is not None:
        q = q.where(alerts.c.seq < after)
    return q.order_by(alerts.c.seq.desc()).limit(limit)


async def list_alerts(
    session: AsyncSession, *, state: str | None, severity: str | None, unit: str | None,
    scope: Sequence[str] | None, after: int | None, limit: int, type_: str | None = None,
    labels: dict[str, str] | None = None, fingerprint: str | None = None, at: datetime | None = None,
    alert_id: uuid.UUID | None = None, active: list[Silence] | None = None,
) -> list[dict[str, Any]]:
    """Alerts, newest first; `state` filters by status (firing | suppressed | acknowledged | resolved).
    The silences active at `at` decide status (or `active`, when the caller already read them)."""
    if active is None:
        active = await active_silences(session, at) if at is not None else []
    q = _list_select(active, state=state, severity=severity, unit=unit, scope=scope, after=after, limit=limit,
                     type_=type_, labels=labels, fingerprint=fingerprint, alert_id=alert_id)
    rows = (await session.execute(q)).mappings().all()
    return [dict(r) for r in rows]


async def list_fingerprint(
    session: AsyncSession, active: list[Silence], *, state: str | None, severity: str | None, unit: str | None,
    scope: Sequence[str] | None, after: int | None, limit: int, type_: str | None = None,
    labels: dict[str, str] | None = None, fingerprint: str | None = None,
) -> str | None:
    """What list_alerts(..., active=active) would return, as one digest PostgreSQL computes without
    sending the rows: every row's columns (state, inhibited_by, ...) with its derived `status` and
    `silenced` under `active`, in order. Equal digests, equal rows: a page built from them can be
    served again."""
    rows = _list_select(active, state=state, severity=severity, unit=unit, scope=scope, after=after, limit=limit,
                        type_=type_, labels=labels, fingerprint=fingerprint).subquery("listed")
    digest = func.md5(func.string_agg(literal_column("CAST(listed AS text)"),
                                      aggregate_order_by(literal_column("','"), rows.c.seq.desc())))
    return (await session.execute(select(digest).select_from(rows))).scalar()


async def summary(session: AsyncSession, *, unit: str | None, scope: Sequence[str] | None,
                  at: datetime) -> list[dict[str, Any]]:
    """Counts per (status, severity, type) under the one definition."""
    status = status_sql(await active_silences(session, at)).label("status")
    q = select(status, alerts.c.severity, alerts.c.type, func.count().label("n")).group_by(
        status, alerts.c.severity, alerts.c.type)
    rows = (await session.execute(_scope(q, unit, scope))).mappings().all()
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
    return rowcount(r) == 1


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
    if rowcount(r) == 1:
        await session.execute(update(deliveries).where(
            deliveries.c.subscription_id == sub_id, deliveries.c.state == "pending").values(state="cancelled"))
    return rowcount(r) == 1


async def enqueue_delivery(session: AsyncSession, *, delivery_id: uuid.UUID, subscription_id: uuid.UUID,
                           change: str, body: str, at: datetime, alert_id: uuid.UUID | None = None,
                           group_key: str | None = None, alert_count: int | None = None) -> None:
    """Queue one webhook POST (in the transaction that decided it): a group's notification or an
    escalation of one alert."""
    await session.execute(insert(deliveries).values(
        id=delivery_id, subscription_id=subscription_id, alert_id=alert_id, group_key=group_key,
        alert_count=alert_count, change=change, body=body, state="pending", attempts=0, next_attempt_at=at,
        created_at=at))

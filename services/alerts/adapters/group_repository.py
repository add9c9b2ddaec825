"""Aggregation groups and their members (set-based; claimed FOR UPDATE SKIP LOCKED). Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import alerts, group_members, groups


async def note_member(session: AsyncSession, *, subscription_id: uuid.UUID, group_key: str,
                      labels: dict[str, str], alert_id: uuid.UUID, at: datetime, group_wait_s: int,
                      group_interval_s: int, changed: bool, fresh: bool = False) -> None:
    """Put an alert in its group; when it `changed` (something to tell), schedule the group's next look:
    a new group after group_wait, a known one no sooner than group_interval after its last look.
    `fresh`: the alert (re-)fired, so whatever the subscriber heard of it before no longer counts."""
    member = pg_insert(group_members).values(
        subscription_id=subscription_id, group_key=group_key, alert_id=alert_id, added_at=at)
    await session.execute(member.on_conflict_do_update(
        index_elements=["subscription_id", "group_key", "alert_id"], set_={"notified_severity": None})
        if fresh else member.on_conflict_do_nothing())
    stmt = pg_insert(groups).values(subscription_id=subscription_id, group_key=group_key, labels=labels,
                                    created_at=at, next_flush_at=at + timedelta(seconds=group_wait_s))
    if not changed:
        await session.execute(stmt.on_conflict_do_nothing())
        return
    g = groups.c
    # never looked at yet: its group_wait stands; else no sooner than group_interval after the last look
    later = func.greatest(g.last_flushed_at + timedelta(seconds=group_interval_s), at)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["subscription_id", "group_key"],
        set_={"next_flush_at": case((g.last_flushed_at.is_(None), g.next_flush_at), else_=func.least(
            func.coalesce(g.next_flush_at, text("'infinity'::timestamptz")), later))}))


async def keep_only(session: AsyncSession, alert_id: uuid.UUID, keep: Sequence[tuple[uuid.UUID, str]]) -> None:
    """An alert whose labels or severity moved leaves the groups it no longer belongs to."""
    m = group_members.c
    q = delete(group_members).where(m.alert_id == alert_id)
    if keep:
        q = q.where(tuple_(m.subscription_id, m.group_key).not_in(list(keep)))
    await session.execute(q)


async def mark_changed(session: AsyncSession, alert_id: uuid.UUID, at: datetime) -> None:
    """An alert's inhibition moved: each group holding it looks again (no sooner than group_interval)."""
    await session.execute(text("""
UPDATE alerts_groups g SET next_flush_at = CASE WHEN g.last_flushed_at IS NULL THEN g.next_flush_at
       ELSE LEAST(COALESCE(g.next_flush_at, 'infinity'::timestamptz),
                  GREATEST(g.last_flushed_at + make_interval(secs => s.group_interval_s), CAST(:at AS timestamptz)))
       END
FROM alerts_group_members m, alerts_subscriptions s
WHERE m.alert_id = :alert_id AND g.subscription_id = m.subscription_id AND g.group_key = m.group_key
  AND s.id = g.subscription_id"""), {"alert_id": alert_id, "at": at})


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Groups due for a look, locked for this worker (others skip them), with their subscription."""
    rows = await session.execute(text("""
SELECT g.subscription_id, g.group_key, g.labels, g.created_at, g.last_flushed_at, g.last_sent_at, g.sent_firing,
       s.name, s.channel, s.repeat_interval_s, s.send_resolved, s.deleted_at
FROM alerts_groups g JOIN alerts_subscriptions s ON s.id = g.subscription_id
WHERE g.next_flush_at <= CAST(:now AS timestamptz)
ORDER BY g.next_flush_at LIMIT :limit FOR UPDATE OF g SKIP LOCKED"""), {"now": now, "limit": limit})
    return [dict(r) for r in rows.mappings()]


_SEVERITY_FIRST = case((alerts.c.severity == "critical", 0), (alerts.c.severity == "warning", 1), else_=2)


async def members(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]]) -> list[dict[str, Any]]:
    """The members of these groups with their alert (one query for all)."""
    if not keys:
        return []
    m = group_members.c
    q = (select(m.subscription_id, m.group_key, m.notified_severity, alerts)
         .join(alerts, alerts.c.id == m.alert_id)
         .where(tuple_(m.subscription_id, m.group_key).in_(list(keys)))
         .order_by(m.subscription_id, m.group_key, _SEVERITY_FIRST, alerts.c.seq))
    return [dict(r) for r in (await session.execute(q)).mappings()]


async def after_flush(session: AsyncSession, *, subscription_id: uuid.UUID, group_key: str, at: datetime,
                      sent: bool, sent_firing: bool | None, next_flush_at: datetime | None,
                      notified: dict[uuid.UUID, str | None], resolved: Sequence[uuid.UUID], close: bool) -> None:
    m, g = group_members.c, groups.c
    in_group = (m.subscription_id == subscription_id, m.group_key == group_key)
    if close:
        await session.execute(delete(group_members).where(*in_group))
        await session.execute(delete(groups).where(g.subscription_id == subscription_id, g.group_key == group_key))
        return
    if notified:
        ids, sevs = list(notified), list(notified.values())
        await session.execute(text("""
UPDATE alerts_group_members m SET notified_severity = v.sev
FROM unnest(CAST(:ids AS uuid[]), CAST(:sevs AS text[])) AS v(id, sev)
WHERE m.subscription_id = :sub AND m.group_key = :key AND m.alert_id = v.id"""),
            {"ids": ids, "sevs": sevs, "sub": subscription_id, "key": group_key})
    if resolved:  # told (or not worth telling) once: they leave the group; a re-fire joins again
        await session.execute(delete(group_members).where(*in_group, m.alert_id.in_(list(resolved))))
    values: dict[str, Any] = {"last_flushed_at": at, "next_flush_at": next_flush_at}
    if sent:
        values["last_sent_at"] = at
    if sent_firing is not None:
        values["sent_firing"] = sent_firing
    await session.execute(update(groups).where(g.subscription_id == subscription_id, g.group_key == group_key)
                          .values(**values))


async def drop_subscription(session: AsyncSession, subscription_id: uuid.UUID) -> None:
    await session.execute(delete(group_members).where(group_members.c.subscription_id == subscription_id))
    await session.execute(delete(groups).where(groups.c.subscription_id == subscription_id))


async def list_groups(session: AsyncSession, subscription_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
    rows = await session.execute(text("""
SELECT g.group_key, g.labels, g.created_at, g.last_sent_at, g.next_flush_at, count(m.alert_id) AS alerts
FROM alerts_groups g LEFT JOIN alerts_group_members m
  ON m.subscription_id = g.subscription_id AND m.group_key = g.group_key
WHERE g.subscription_id = :sub GROUP BY g.subscription_id, g.group_key ORDER BY g.created_at, g.group_key
LIMIT :limit"""), {"sub": subscription_id, "limit": limit})
    return [dict(r) for r in rows.mappings()]

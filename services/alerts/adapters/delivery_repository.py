"""The webhook delivery queue: claim due rows, record attempts, find alerts due for a repeat."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import deliveries, delivery_attempts, notifications


async def claim_due(session: AsyncSession, *, now: datetime, lease_s: float, limit: int) -> list[dict[str, Any]]:
    """Reserve due deliveries for this worker (FOR UPDATE SKIP LOCKED + a lease), with their target."""
    rows = await session.execute(text("""
UPDATE alerts_deliveries d SET attempts = d.attempts + 1, next_attempt_at = CAST(:lease_until AS timestamptz)
FROM (SELECT id FROM alerts_deliveries
      WHERE state = 'pending' AND (attempts = 0 OR next_attempt_at <= CAST(:now AS timestamptz))
      ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED) due, alerts_subscriptions s
WHERE d.id = due.id AND s.id = d.subscription_id
RETURNING d.id, d.subscription_id, d.alert_id, d.body, d.attempts, s.url, s.secret, s.previous_secret,
          s.previous_secret_until"""),
        {"now": now, "lease_until": now + timedelta(seconds=lease_s), "limit": limit})
    return [dict(r) for r in rows.mappings()]


async def record_attempt(session: AsyncSession, d: dict[str, Any], *, at: datetime, status_code: int | None,
                         error: str | None, duration_ms: float, ok: bool, retry_at: datetime | None) -> None:
    await session.execute(insert(delivery_attempts).values(
        delivery_id=d["id"], subscription_id=d["subscription_id"], attempt=d["attempts"], at=at,
        status_code=status_code, error=error, duration_ms=duration_ms))
    if ok:
        await session.execute(update(deliveries).where(deliveries.c.id == d["id"]).values(
            state="delivered", delivered_at=at, last_error=None))
        await session.execute(update(notifications).where(
            notifications.c.subscription_id == d["subscription_id"], notifications.c.alert_id == d["alert_id"],
            notifications.c.last_sent_at < at).values(last_sent_at=at))
    else:
        values: dict[str, Any] = {"last_error": error}
        if retry_at is None:
            values["state"] = "failed"
        else:
            values["next_attempt_at"] = retry_at
        await session.execute(update(deliveries).where(deliveries.c.id == d["id"]).values(**values))


async def due_repeats(session: AsyncSession, *, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Firing alerts whose subscriber was last notified a repeat interval ago (rows locked)."""
    rows = await session.execute(text("""
SELECT n.subscription_id, n.alert_id FROM alerts_notifications n
JOIN alerts_subscriptions s ON s.id = n.subscription_id
JOIN alerts_alerts a ON a.id = n.alert_id
WHERE a.state = 'firing' AND s.deleted_at IS NULL AND s.channel = 'webhook' AND s.repeat_interval_s IS NOT NULL
  AND n.last_sent_at + make_interval(secs => s.repeat_interval_s) <= CAST(:now AS timestamptz)
  AND NOT EXISTS (SELECT 1 FROM alerts_deliveries d WHERE d.subscription_id = n.subscription_id
                  AND d.alert_id = n.alert_id AND d.state = 'pending')
LIMIT :limit FOR UPDATE OF n SKIP LOCKED"""), {"now": now, "limit": limit})
    return [dict(r) for r in rows.mappings()]


async def touch_notification(session: AsyncSession, subscription_id: uuid.UUID, alert_id: uuid.UUID,
                             at: datetime) -> None:
    await session.execute(update(notifications).where(
        notifications.c.subscription_id == subscription_id, notifications.c.alert_id == alert_id)
        .values(last_sent_at=at))


async def log(session: AsyncSession, subscription_id: uuid.UUID, limit: int) -> tuple[list[dict], list[dict]]:
    ds = await session.execute(select(deliveries).where(deliveries.c.subscription_id == subscription_id)
                               .order_by(deliveries.c.created_at.desc()).limit(limit))
    at = await session.execute(select(delivery_attempts).where(
        delivery_attempts.c.subscription_id == subscription_id).order_by(delivery_attempts.c.id.desc()).limit(limit))
    return [dict(r) for r in ds.mappings()], [dict(r) for r in at.mappings()]

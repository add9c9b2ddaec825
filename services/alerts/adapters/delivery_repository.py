"""The webhook delivery queue: claim due rows, record attempts, the delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import deliveries, delivery_attempts


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
    else:
        values: dict[str, Any] = {"last_error": error}
        if retry_at is None:
            values["state"] = "failed"
        else:
            values["next_attempt_at"] = retry_at
        await session.execute(update(deliveries).where(deliveries.c.id == d["id"]).values(**values))


async def log(session: AsyncSession, subscription_id: uuid.UUID, limit: int,
              after: int | None = None) -> tuple[list[dict], list[dict]]:
    """A page of deliveries (newest first, by seq, below cursor `after`) and their attempts."""
    q = select(deliveries).where(deliveries.c.subscription_id == subscription_id)
    if after is not None:
        q = q.where(deliveries.c.seq < after)
    ds = [dict(r) for r in (await session.execute(q.order_by(deliveries.c.seq.desc()).limit(limit))).mappings()]
    at = await session.execute(select(delivery_attempts).where(
        delivery_attempts.c.delivery_id.in_([d["id"] for d in ds])).order_by(delivery_attempts.c.id.desc()))
    return ds, [dict(r) for r in at.mappings()]

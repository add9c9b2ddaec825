"""Reads and writes of alerts. Never commits: the unit of work does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import alerts
from services.alerts.domain.alerts import AlertSignal


async def record_signal(session: AsyncSession, signal: AlertSignal, event_id: uuid.UUID, at: datetime) -> None:
    """Create the alert for this fingerprint, or count another occurrence of it."""
    stmt = insert(alerts).values(
        id=uuid.uuid4(), fingerprint=signal.fingerprint, type=signal.type, unit=signal.unit,
        severity=signal.severity, state="firing", summary=signal.summary, labels=signal.labels,
        first_seen=at, last_seen=at, count=1, source_event_ids=[str(event_id)],
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["fingerprint"],
        set_={
            "severity": stmt.excluded.severity, "summary": stmt.excluded.summary,
            "labels": stmt.excluded.labels, "last_seen": func.greatest(alerts.c.last_seen, stmt.excluded.last_seen),
            "count": alerts.c.count + 1,
            "source_event_ids": alerts.c.source_event_ids.op("||")(stmt.excluded.source_event_ids),
        },
    )
    await session.execute(stmt)


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
        q = q.where(or_(alerts.c.unit == unit, alerts.c.unit.startswith(unit + "-")))
    if scope is not None:
        q = q.where(or_(*(or_(alerts.c.unit == u, alerts.c.unit.startswith(u + "-")) for u in scope)) if scope
                    else ~true())
    if after is not None:
        q = q.where(alerts.c.seq < after)
    rows = (await session.execute(q.order_by(alerts.c.seq.desc()).limit(limit))).mappings().all()
    return [dict(r) for r in rows]

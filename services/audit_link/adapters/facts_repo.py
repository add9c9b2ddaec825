"""What audit_link keeps from events it consumed: published station scores (for "same red indicator
two months running") and intake anomalies (for "overdue unrectified anomalies"). Never commits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_link.adapters.tables import anomalies, unit_scores
from services.audit_link.domain.autoraise import OpenAnomaly


async def store_scores(session: AsyncSession, period: str, revision: int, rows: list[dict[str, Any]],
                       at: datetime) -> None:
    """Upsert each unit's score of `period`; an older revision never overwrites a newer one."""
    if not rows:
        return
    values = [{**r, "period": period, "revision": revision, "received_at": at} for r in rows]
    stmt = insert(unit_scores).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["unit", "period"],
        set_={c: stmt.excluded[c] for c in ("level", "revision", "score", "red_indicators", "received_at")},
        where=unit_scores.c.revision <= stmt.excluded.revision,
    )
    await session.execute(stmt)


async def red_indicators(
    session: AsyncSession, period: str, units: list[str] | None = None,
) -> dict[str, frozenset[str]]:
    stmt = select(unit_scores.c.unit, unit_scores.c.red_indicators).where(
        unit_scores.c.period == period, unit_scores.c.level == "station")
    if units is not None:
        stmt = stmt.where(unit_scores.c.unit.in_(units))
    return {u: frozenset(reds or ()) for u, reds in await session.execute(stmt)}


async def report_anomaly(session: AsyncSession, *, anomaly_id: str, unit: str, period: str, kind: str,
                         customer_no: str | None, detected_on: date, due_on: date, at: datetime) -> None:
    values = {"anomaly_id": anomaly_id, "unit": unit, "period": period, "kind": kind, "customer_no": customer_no,
              "detected_on": detected_on, "due_on": due_on, "updated_at": at}
    stmt = insert(anomalies).values(**values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["anomaly_id"], set_={k: v for k, v in values.items() if k != "anomaly_id"}))


async def rectify_anomaly(session: AsyncSession, *, anomaly_id: str, rectified_on: date, at: datetime) -> None:
    """Record the rectification, even when it arrives before the anomaly itself."""
    values = {"anomaly_id": anomaly_id, "rectified_on": rectified_on, "updated_at": at}
    stmt = insert(anomalies).values(**values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["anomaly_id"], set_={"rectified_on": rectified_on, "updated_at": at}))


async def overdue_anomalies(session: AsyncSession, today: date, up_to_period: str) -> list[OpenAnomaly]:
    stmt = select(anomalies.c.anomaly_id, anomalies.c.unit, anomalies.c.due_on).where(
        anomalies.c.rectified_on.is_(None), anomalies.c.due_on < today, anomalies.c.unit.is_not(None),
        anomalies.c.period <= up_to_period,
    )
    return [OpenAnomaly(a, u, d) for a, u, d in await session.execute(stmt)]

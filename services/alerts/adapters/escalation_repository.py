"""Escalation policies, where each alert stands on them, and the working-day calendar (read only:
audit_link owns audit_calendar_*; alerts reads it with plain SQL). Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import escalation_policies, escalations, subscriptions
from shared.calendar import CalendarData


async def calendar(session: AsyncSession) -> CalendarData:
    years = (await session.execute(text("SELECT year FROM audit_calendar_years"))).scalars().all()
    rows = (await session.execute(text("SELECT day, kind FROM audit_calendar_days"))).all()
    return CalendarData.of(years, [d for d, k in rows if k == "holiday"], [d for d, k in rows if k == "workday"])


async def add_policy(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(escalation_policies).values(**values))


async def policies(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(select(escalation_policies).where(escalation_policies.c.deleted_at.is_(None))
                                 .order_by(escalation_policies.c.created_at))
    return [dict(r) for r in rows.mappings()]


async def policy(session: AsyncSession, policy_id: uuid.UUID) -> dict[str, Any] | None:
    row = (await session.execute(select(escalation_policies).where(
        escalation_policies.c.id == policy_id, escalation_policies.c.deleted_at.is_(None)))).mappings().first()
    return dict(row) if row else None


async def start(session: AsyncSession, *, alert_id: uuid.UUID, policy_id: uuid.UUID, at: datetime,
                next_at: datetime | None, stop_reason: str | None) -> None:
    """Begin (or, for a re-fired alert, begin again) the climb of one alert on one policy."""
    stmt = pg_insert(escalations).values(alert_id=alert_id, policy_id=policy_id, level=0, round=0, started_at=at,
                                         next_at=next_at, stopped_at=at if stop_reason else None,
                                         stop_reason=stop_reason)
    await session.execute(stmt.on_conflict_do_update(index_elements=["alert_id", "policy_id"], set_={
        c: stmt.excluded[c] for c in ("level", "round", "started_at", "next_at", "stopped_at", "stop_reason")}))


async def stop(session: AsyncSession, alert_id: uuid.UUID, *, at: datetime, reason: str) -> None:
    await session.execute(update(escalations).where(
        escalations.c.alert_id == alert_id, escalations.c.stopped_at.is_(None)).values(
        stopped_at=at, stop_reason=reason, next_at=None))


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[dict[str, Any]]:
    rows = await session.execute(text("""
SELECT e.alert_id, e.policy_id, e.level, e.round FROM alerts_escalations e
WHERE e.stopped_at IS NULL AND e.next_at <= CAST(:now AS timestamptz)
ORDER BY e.next_at LIMIT :limit FOR UPDATE SKIP LOCKED"""), {"now": now, "limit": limit})
    return [dict(r) for r in rows.mappings()]


async def advance(session: AsyncSession, row: dict[str, Any], *, level: int, round_: int,
                  next_at: datetime | None, at: datetime, stop_reason: str | None = None) -> None:
    values: dict[str, Any] = {"level": level, "round": round_, "next_at": next_at}
    if next_at is None:
        values |= {"stopped_at": at, "stop_reason": stop_reason or "exhausted"}
    await session.execute(update(escalations).where(
        escalations.c.alert_id == row["alert_id"], escalations.c.policy_id == row["policy_id"]).values(**values))


async def of_alert(session: AsyncSession, alert_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.execute(select(escalations).where(escalations.c.alert_id == alert_id))
    return [dict(r) for r in rows.mappings()]


async def level_targets(session: AsyncSession, *, subscription_ids: Sequence[object], org_levels_up: int | None,
                        alert_type: str, unit: str) -> list[dict[str, Any]]:
    """The live subscriptions one level notifies: those it names, and those scoped to the unit
    `org_levels_up` levels above `unit` (unit_prefix = that unit; types empty or naming the alert's
    type; min_severity does not apply: escalation is the reason to tell them). Org units are read
    from scoring's `scoring_org_units` with plain SQL (shared reference data)."""
    ids = [uuid.UUID(str(s)) for s in subscription_ids]
    ancestor = None
    if org_levels_up:
        ancestor = (await session.execute(text("""
WITH RECURSIVE up(code, parent, n) AS (
  SELECT code, parent, 0 FROM scoring_org_units WHERE code = :unit
  UNION ALL
  SELECT o.code, o.parent, up.n + 1 FROM scoring_org_units o JOIN up ON o.code = up.parent WHERE up.n < :n)
SELECT code FROM up WHERE n = :n"""), {"unit": unit, "n": org_levels_up})).scalar()
    s = subscriptions.c
    wanted: ColumnElement[bool] = s.id.in_(ids) if ids else false()
    if ancestor is not None:
        wanted = or_(wanted, and_(s.unit_prefix == ancestor, or_(
            s.types == text("'[]'::jsonb"), s.types.contains([alert_type]))))
    rows = await session.execute(select(subscriptions).where(s.deleted_at.is_(None), wanted)
                                 .order_by(s.created_at))
    return [dict(r) for r in rows.mappings()]

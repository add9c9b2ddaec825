"""Recovery facts, annual arrears tasks and the last light issued per unit and month. Never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import recovery_facts, recovery_lights, recovery_tasks
from services.scoring.domain.recovery import ArrearsTask, MonthFacts


async def put_facts(session: AsyncSession, period: str, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    if not rows:
        return
    stmt = insert(recovery_facts).values([{**r, "period": period, "updated_at": now} for r in rows])
    await session.execute(stmt.on_conflict_do_update(index_elements=["unit", "period"], set_={
        c: stmt.excluded[c] for c in ("receivable", "collected", "arrears_recovered", "updated_at")}))


async def put_tasks(session: AsyncSession, year: int, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = insert(recovery_tasks).values([{**r, "year": year} for r in rows])
    await session.execute(stmt.on_conflict_do_update(index_elements=["unit", "year"], set_={
        c: stmt.excluded[c] for c in ("arrears_carried_over", "annual_target", "profile")}))


async def facts_of_year(session: AsyncSession, period: str) -> dict[str, list[MonthFacts]]:
    """unit → its monthly facts from January up to the period."""
    rows = (await session.execute(select(recovery_facts).where(
        recovery_facts.c.period.between(period[:4] + "-01", period)))).all()
    out: dict[str, list[MonthFacts]] = defaultdict(list)
    for r in rows:
        out[r.unit].append(MonthFacts(r.period, r.receivable, r.collected, r.arrears_recovered))
    return dict(out)


async def tasks_of_year(session: AsyncSession, year: int) -> dict[str, ArrearsTask]:
    rows = (await session.execute(select(recovery_tasks).where(recovery_tasks.c.year == year))).all()
    return {r.unit: ArrearsTask(r.year, r.arrears_carried_over, r.annual_target, tuple(r.profile)) for r in rows}


async def issued_lights(session: AsyncSession, period: str) -> dict[str, tuple[str, dict[str, Any]]]:
    rows = (await session.execute(select(recovery_lights).where(recovery_lights.c.period == period))).all()
    return {r.unit: (r.light, r.metrics) for r in rows}


async def save_light(session: AsyncSession, unit: str, period: str, light: str, metrics: dict[str, Any],
                     now: datetime) -> None:
    stmt = insert(recovery_lights).values(unit=unit, period=period, light=light, metrics=metrics, issued_at=now)
    await session.execute(stmt.on_conflict_do_update(index_elements=["unit", "period"], set_={
        "light": stmt.excluded.light, "metrics": stmt.excluded.metrics, "issued_at": stmt.excluded.issued_at}))

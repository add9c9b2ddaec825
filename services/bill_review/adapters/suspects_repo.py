"""Reads and decisions of suspects; readiness and rule effectiveness. Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import column as table_column
from sqlalchemy import func, select, table, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.bill_review.adapters.tables import suspects, units
from shared.scope import in_subtree, within

_FIELDS = (suspects.c.id, suspects.c.period, suspects.c.bill_id, suspects.c.customer_no, suspects.c.unit,
           suspects.c.rule, suspects.c.severity, suspects.c.message, suspects.c.state, suspects.c.rule_set_version,
           suspects.c.raised_at, suspects.c.decided_by, suspects.c.decided_at, suspects.c.decision,
           suspects.c.error_id)
# Scoring's org tree, read as shared reference data (shared/reference.py): which stations should bring bills.
_ORG_UNITS = table("scoring_org_units", table_column("code"), table_column("level"))


def subtree(stmt, column, unit: str | None, scope: tuple[str, ...] | None):
    """Rows of `unit` and below it, within the caller's scope (the one rule of shared/scope.py)."""
    if unit is not None:
        stmt = stmt.where(in_subtree(column, unit))
    return stmt.where(within(column, scope))


async def list_suspects(session: AsyncSession, period: str, *, scope: tuple[str, ...] | None, unit: str | None,
                        rule: str | None, state: str | None, after: int | None, limit: int) -> list[dict[str, Any]]:
    stmt = select(*_FIELDS).where(suspects.c.period == period).order_by(suspects.c.id).limit(limit)
    stmt = subtree(stmt, suspects.c.unit, unit, scope)
    for column, value in ((suspects.c.rule, rule), (suspects.c.state, state)):
        if value is not None:
            stmt = stmt.where(column == value)
    if after is not None:
        stmt = stmt.where(suspects.c.id > after)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def get_suspect(session: AsyncSession, suspect_id: int, *, for_update: bool = False) -> dict[str, Any] | None:
    stmt = select(*_FIELDS, suspects.c.decision_key).where(suspects.c.id == suspect_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def by_decision_key(session: AsyncSession, key: str) -> dict[str, Any] | None:
    row = (await session.execute(select(*_FIELDS, suspects.c.decision_key)
                                 .where(suspects.c.decision_key == key))).first()
    return dict(row._mapping) if row else None


async def decide(session: AsyncSession, suspect_id: int, state: str, decision: dict[str, Any], by: str,
                 now: datetime, key: str | None, error_id: uuid.UUID | None) -> None:
    await session.execute(update(suspects).where(suspects.c.id == suspect_id, suspects.c.state == "open").values(
        state=state, decision=decision, decided_by=by, decided_at=now, decision_key=key, error_id=error_id))


async def readiness(session: AsyncSession, period: str, *, scope: tuple[str, ...] | None,
                    unit: str | None) -> list[dict[str, Any]]:
    counts = (select(suspects.c.unit,
                     func.count().filter(suspects.c.state == "open").label("open"),
                     func.count().filter(suspects.c.state == "confirmed").label("confirmed"),
                     func.count().filter(suspects.c.state == "cleared").label("cleared"))
              .where(suspects.c.period == period).group_by(suspects.c.unit).subquery())
    stmt = (select(units.c.unit, units.c.bills, units.c.imported_at, units.c.reviewed_at, units.c.rule_set_version,
                   func.coalesce(counts.c.open, 0).label("open"),
                   func.coalesce(counts.c.confirmed, 0).label("confirmed"),
                   func.coalesce(counts.c.cleared, 0).label("cleared"))
            .select_from(units.outerjoin(counts, counts.c.unit == units.c.unit))
            .where(units.c.period == period).order_by(units.c.unit))
    stmt = subtree(stmt, units.c.unit, unit, scope)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def stations_without_bills(session: AsyncSession, period: str, *, scope: tuple[str, ...] | None,
                                 unit: str | None) -> list[str]:
    """The stations in the caller's scope (and under `unit`) that have no bills for the period: not ready either."""
    stmt = (select(_ORG_UNITS.c.code).where(_ORG_UNITS.c.level == "station")
            .where(~select(units.c.unit).where(units.c.period == period, units.c.unit == _ORG_UNITS.c.code).exists())
            .order_by(_ORG_UNITS.c.code))
    stmt = subtree(stmt, _ORG_UNITS.c.code, unit, scope)
    return list((await session.execute(stmt)).scalars())


async def effectiveness(session: AsyncSession, first: str, last: str, *, scope: tuple[str, ...] | None,
                        unit: str | None) -> list[dict[str, Any]]:
    stmt = (select(suspects.c.period, suspects.c.rule, func.count().label("raised"),
                   func.count().filter(suspects.c.state == "open").label("open"),
                   func.count().filter(suspects.c.state == "confirmed").label("confirmed"),
                   func.count().filter(suspects.c.state == "cleared").label("cleared"))
            .where(suspects.c.period >= first, suspects.c.period <= last)
            .group_by(suspects.c.period, suspects.c.rule).order_by(suspects.c.period, suspects.c.rule))
    stmt = subtree(stmt, suspects.c.unit, unit, scope)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def units_with_bills(session: AsyncSession, period: str) -> list[str]:
    rows = await session.execute(text("SELECT unit FROM review_units WHERE period = :p ORDER BY unit"), {"p": period})
    return [r.unit for r in rows]

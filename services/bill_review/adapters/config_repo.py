"""Tariffs (versioned by effective_from) and rule sets (a new version per change). Never commits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bill_review.adapters.tables import rule_sets, tariffs


async def put_tariffs(session: AsyncSession, items: list[dict[str, Any]], effective_from: str, by: str,
                      now: datetime) -> None:
    stmt = insert(tariffs).values([{**i, "effective_from": effective_from, "updated_by": by, "updated_at": now}
                                   for i in items])
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["code", "effective_from"],
        set_={"category": stmt.excluded.category, "price": stmt.excluded.price,
              "updated_by": stmt.excluded.updated_by, "updated_at": stmt.excluded.updated_at}))


async def tariffs_in_force(session: AsyncSession, period: str) -> list[dict[str, Any]]:
    rows = await session.execute(text(
        "SELECT DISTINCT ON (code) code, category, price, effective_from, updated_by, updated_at"
        " FROM review_tariffs WHERE effective_from <= :p ORDER BY code, effective_from DESC"), {"p": period})
    return [dict(r._mapping) | {"price": Decimal(r.price)} for r in rows]


async def rule_set_in_force(session: AsyncSession, period: str) -> dict[str, Any] | None:
    row = (await session.execute(
        select(rule_sets).where(rule_sets.c.effective_from <= period)
        .order_by(rule_sets.c.effective_from.desc(), rule_sets.c.version.desc()).limit(1))).first()
    return dict(row._mapping) if row else None


async def latest_rule_set(session: AsyncSession) -> dict[str, Any]:
    row = (await session.execute(select(rule_sets).order_by(rule_sets.c.version.desc()).limit(1))).one()
    return dict(row._mapping)


async def rule_set_versions(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(select(rule_sets.c.version, rule_sets.c.effective_from, rule_sets.c.created_by,
                                        rule_sets.c.created_at).order_by(rule_sets.c.version))
    return [dict(r._mapping) for r in rows]


async def add_rule_set(session: AsyncSession, rules: dict[str, Any], effective_from: str, by: str,
                       now: datetime) -> dict[str, Any]:
    await session.execute(text("LOCK TABLE review_rule_sets IN SHARE ROW EXCLUSIVE MODE"))
    version = (await session.execute(select(func.max(rule_sets.c.version)))).scalar_one() + 1
    row = {"version": version, "effective_from": effective_from, "rules": rules, "created_by": by, "created_at": now}
    await session.execute(insert(rule_sets).values(**row))
    return row

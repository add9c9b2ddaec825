"""Reads and writes of org units. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import org_units
from services.scoring.domain.org_units import OrgUnit
from shared.scope import in_subtree


def _unit(row) -> OrgUnit:
    return OrgUnit(row.code, row.name, row.level, row.parent, row.area_type)


async def all_units(session: AsyncSession) -> dict[str, OrgUnit]:
    rows = (await session.execute(select(org_units).order_by(org_units.c.code))).all()
    return {r.code: _unit(r) for r in rows}


async def list_units(session: AsyncSession, under: str | None = None) -> list[OrgUnit]:
    query = select(org_units).order_by(org_units.c.code)
    if under:
        query = query.where(in_subtree(org_units.c.code, under))
    return [_unit(r) for r in (await session.execute(query)).all()]


async def upsert(session: AsyncSession, units: Sequence[OrgUnit], now: datetime) -> None:
    if not units:
        return
    stmt = insert(org_units).values([
        {"code": u.code, "name": u.name, "level": u.level, "parent": u.parent, "area_type": u.area_type,
         "updated_at": now} for u in units])
    stmt = stmt.on_conflict_do_update(index_elements=["code"], set_={
        c: stmt.excluded[c] for c in ("name", "level", "parent", "area_type", "updated_at")})
    await session.execute(stmt)

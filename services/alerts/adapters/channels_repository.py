"""Payment channels per unit (alerts_channels). Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import channels


async def put(session: AsyncSession, values: dict[str, Any]) -> None:
    """Set a unit's channels (insert or replace: area_type, channel_types, updated_at)."""
    stmt = insert(channels).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["unit"], set_={
        k: stmt.excluded[k] for k in ("area_type", "channel_types", "updated_at")}))


async def all_units(session: AsyncSession) -> list[dict[str, Any]]:
    """Every unit's channels, by unit code."""
    return [dict(r) for r in (await session.execute(select(channels).order_by(channels.c.unit))).mappings()]

"""The editable rule documents (severity, inhibition). Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters.tables import rule_sets

KINDS = ("severity", "inhibition")


async def get(session: AsyncSession, kind: str) -> dict[str, Any]:
    row = (await session.execute(select(rule_sets).where(rule_sets.c.kind == kind))).mappings().first()
    return dict(row) if row else {"kind": kind, "rules": [], "version": 0, "updated_by": None, "updated_at": None}


async def put(session: AsyncSession, kind: str, rules: list[dict[str, Any]], *, by: str,
              at: datetime) -> dict[str, Any]:
    """Replace the document (version + 1)."""
    stmt = pg_insert(rule_sets).values(kind=kind, rules=rules, version=1, updated_by=by, updated_at=at)
    row = (await session.execute(stmt.on_conflict_do_update(index_elements=["kind"], set_={
        "rules": stmt.excluded.rules, "version": rule_sets.c.version + 1, "updated_by": by, "updated_at": at,
    }).returning(rule_sets))).mappings().one()
    return dict(row)
